import { DateTime, IANAZone } from 'luxon';

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
  for (const day of localDays(query, from, to)) {
    for (const interval of day.intervals) {
      for (let t = interval.start; t + duration <= interval.end; t += step) {
        if (t < from || t > to) continue;
        const end = t + blocked;
        if (!busy.some((b) => b.start < end && t < b.end)) out.push(new Date(t));
      }
    }
  }
  return out;
}

const DAY = 86_400_000;
const QUARTER_HOUR = 15 * MINUTE;
const offsets = new Map<string, number>();

/**
 * A zone's UTC offset (minutes) at an instant, remembered per quarter hour: clocks change only
 * on quarter hours, and the same days are searched again and again.
 */
function cachedOffset(zone: IANAZone, ts: number): number {
  const key = `${zone.name}|${Math.floor(ts / QUARTER_HOUR)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size > 100_000) offsets.clear();
    offset = zone.offset(Math.floor(ts / QUARTER_HOUR) * QUARTER_HOUR);
    offsets.set(key, offset);
  }
  return offset;
}

const minutesOf = (hhmm: string) => {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/**
 * The working intervals of each local day from `from` to `to`. Luxon's zone arithmetic is slow
 * (tens of µs a call), so days are walked as plain calendar dates, and a day whose UTC offset is
 * the same at both ends takes the offset once; only a day with a clock change goes through
 * Luxon, wall time by wall time.
 */
function* localDays(query: SlotQuery, from: number, to: number) {
  const zone = IANAZone.create(query.timeZone);
  const offsetAt = (ts: number) => cachedOffset(zone, ts);
  const first = DateTime.fromMillis(from, { zone: query.timeZone });
  const last = DateTime.fromMillis(to, { zone: query.timeZone });
  const exceptions = new Map(query.exceptions.map((e) => [e.day, e.hours]));
  const weekly = new Map<number, LocalInterval[]>();
  for (const w of query.weekly) weekly.set(w.weekday, [...(weekly.get(w.weekday) ?? []), w]);
  const end = Date.UTC(last.year, last.month - 1, last.day);
  // A calendar date as midnight UTC: date arithmetic with no zone in it.
  for (let date = Date.UTC(first.year, first.month - 1, first.day); date <= end; date += DAY) {
    const key = new Date(date).toISOString().slice(0, 10);
    const weekday = ((new Date(date).getUTCDay() + 6) % 7) + 1;
    const hours = exceptions.get(key) ?? weekly.get(weekday) ?? [];
    if (hours.length === 0) continue;
    const guess = offsetAt(date);
    const atStart = offsetAt(date - guess * MINUTE);
    const atEnd = offsetAt(date + DAY - guess * MINUTE);
    if (guess === atStart && atStart === atEnd) {
      const offset = guess * MINUTE;
      yield {
        intervals: hours
          .map((h) => ({
            start: date + minutesOf(h.start) * MINUTE - offset,
            end: date + minutesOf(h.end) * MINUTE - offset,
          }))
          .filter((i) => i.end > i.start)
          .sort((a, b) => a.start - b.start),
      };
    } else {
      const day = DateTime.fromISO(key, { zone: query.timeZone }).startOf('day');
      yield { intervals: workingIntervals(query, day) };
    }
  }
}
