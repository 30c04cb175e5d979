import { DateTime } from 'luxon';

/** Wall-clock times 'HH:MM' (or 'HH:MM:SS') in the branch's zone. */
export interface LocalInterval {
  start: string;
  end: string;
}

export interface WeeklyHours extends LocalInterval {
  /** ISO weekday: 1 = Monday … 7 = Sunday */
  weekday: number;
}

/** A date's exception replaces the weekly hours: an empty `hours` list is a day off. */
export interface DayException {
  /** 'YYYY-MM-DD' in the branch's zone */
  day: string;
  hours: LocalInterval[];
}

export interface Busy {
  start: Date;
  /** End of the visit including its buffer. */
  end: Date;
}

export interface SlotQuery {
  timeZone: string;
  /** Earliest start (now + minimum lead time). */
  from: Date;
  /** Latest start (now + booking horizon). */
  to: Date;
  durationMin: number;
  bufferMin: number;
  stepMin: number;
  weekly: readonly WeeklyHours[];
  exceptions: readonly DayException[];
  busy: readonly Busy[];
}

const MINUTE = 60_000;

function atLocal(day: DateTime, hhmm: string): DateTime {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  // Luxon moves a wall time that does not exist (the spring-forward gap) forward past the gap.
  return day.set({ hour: h, minute: m, second: 0, millisecond: 0 });
}

/** The working intervals of one local day, as absolute instants. */
export function workingIntervals(
  query: Pick<SlotQuery, 'weekly' | 'exceptions'>,
  day: DateTime,
): { start: number; end: number }[] {
  const key = day.toISODate();
  const exception = query.exceptions.find((e) => e.day === key);
  const hours = exception ? exception.hours : query.weekly.filter((w) => w.weekday === day.weekday);
  return hours
    .map((h) => ({ start: atLocal(day, h.start).toMillis(), end: atLocal(day, h.end).toMillis() }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
}

/**
 * Free start times for one master: on the step grid of each working interval (in the branch's
 * zone, daylight-saving days included), where the visit fits inside working hours and the
 * visit plus its buffer overlaps no existing visit (whose spans already include their buffers).
 */
export function freeSlots(query: SlotQuery): Date[] {
  const duration = query.durationMin * MINUTE;
  const blocked = (query.durationMin + query.bufferMin) * MINUTE;
  const step = Math.max(query.stepMin, 1) * MINUTE;
  const busy = [...query.busy]
    .map((b) => ({ start: b.start.getTime(), end: b.end.getTime() }))
    .sort((a, b) => a.start - b.start);
  const from = query.from.getTime();
  const to = query.to.getTime();
  const out: Date[] = [];
  let day = DateTime.fromMillis(from, { zone: query.timeZone }).startOf('day');
  const lastDay = DateTime.fromMillis(to, { zone: query.timeZone }).startOf('day');
  while (day <= lastDay) {
    for (const interval of workingIntervals(query, day)) {
      for (let t = interval.start; t + duration <= interval.end; t += step) {
        if (t < from || t > to) continue;
        const end = t + blocked;
        if (!busy.some((b) => b.start < end && t < b.end)) out.push(new Date(t));
      }
    }
    day = day.plus({ days: 1 });
  }
  return out;
}
