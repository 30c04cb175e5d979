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
 *
 * Called for every master at every step of a booking, so it is one pass in plain numbers: the
 * visits are sorted and merged once, and the candidate times sweep along them.
 */
export function freeSlots(query: SlotQuery): Date[] {
  return freeSlotTimes(query).map((t) => new Date(t));
}

/** freeSlots as epoch milliseconds, ascending unless working intervals overlap. */
export function freeSlotTimes(query: SlotQuery): number[] {
  const duration = query.durationMin * MINUTE;
  const blocked = (query.durationMin + query.bufferMin) * MINUTE;
  const step = Math.max(query.stepMin, 1) * MINUTE;
  const busy = mergeBusy(query.busy);
  const from = query.from.getTime();
  const to = query.to.getTime();
  const out: number[] = [];
  // The first visit that ends after the candidate time; only it can overlap the candidate,
  // because the merged visits are disjoint and sorted.
  let next = 0;
  let last = Number.NEGATIVE_INFINITY;
  forEachWorkingInterval(query, from, to, (start, end) => {
    let t = start;
    if (t < from) t += Math.ceil((from - t) / step) * step;
    if (t < last) next = 0; // overlapping working intervals: sweep again from the start
    for (; t + duration <= end && t <= to; t += step) {
      last = t;
      let b = busy[next];
      while (b !== undefined && b[1] <= t) b = busy[++next];
      if (b === undefined || b[0] >= t + blocked) out.push(t);
    }
  });
  return out;
}

/** Visits as sorted [start, end] pairs, overlapping ones joined. */
function mergeBusy(busy: readonly Busy[]): [number, number][] {
  const spans = busy
    .map((b): [number, number] => [b.start.getTime(), b.end.getTime()])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const top = merged.at(-1);
    if (top && span[0] < top[1]) top[1] = Math.max(top[1], span[1]);
    else merged.push(span);
  }
  return merged;
}

const DAY = 86_400_000;
const QUARTER_HOUR = 15 * MINUTE;
const offsets = new Map<string, Map<number, number>>();

/**
 * A zone's UTC offset (minutes) at an instant, remembered per quarter hour: clocks change only
 * on quarter hours, and the same days are searched again and again.
 */
function offsetCache(zone: IANAZone): (ts: number) => number {
  let known = offsets.get(zone.name);
  if (!known) {
    known = new Map();
    offsets.set(zone.name, known);
  }
  const cache = known;
  return (ts) => {
    const quarter = Math.floor(ts / QUARTER_HOUR);
    let offset = cache.get(quarter);
    if (offset === undefined) {
      if (cache.size > 100_000) cache.clear();
      offset = zone.offset(quarter * QUARTER_HOUR);
      cache.set(quarter, offset);
    }
    return offset;
  };
}

const minutesOf = (hhmm: string) => {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** Wall-clock intervals as minutes of the day, sorted, empty ones dropped. */
const inMinutes = (hours: readonly LocalInterval[]) =>
  hours
    .map((h) => ({ start: minutesOf(h.start), end: minutesOf(h.end) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);

/** 'YYYY-MM-DD' as its midnight in UTC: calendar dates with no zone in them. */
const dateNumber = (iso: string) =>
  Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10));

/**
 * Calls `visit` with each working interval (absolute instants, sorted within a day) of each
 * local day from `from` to `to`. Luxon's zone arithmetic is slow (tens of µs a call), so days
 * are walked as plain calendar dates, and a day whose UTC offset is the same at both ends takes
 * the offset once; only a day with a clock change goes through Luxon, wall time by wall time.
 */
function forEachWorkingInterval(
  query: SlotQuery,
  from: number,
  to: number,
  visit: (start: number, end: number) => void,
): void {
  const zone = IANAZone.create(query.timeZone);
  const offsetAt = offsetCache(zone);
  // The first exception of a date counts, as in workingIntervals.
  const exceptions = new Map<number, { start: number; end: number }[]>();
  for (const e of query.exceptions) {
    const date = dateNumber(e.day);
    if (!exceptions.has(date)) exceptions.set(date, inMinutes(e.hours));
  }
  const weekly = new Map<number, LocalInterval[]>();
  for (const w of query.weekly) weekly.set(w.weekday, [...(weekly.get(w.weekday) ?? []), w]);
  const byWeekday = [1, 2, 3, 4, 5, 6, 7].map((d) => inMinutes(weekly.get(d) ?? []));
  const localDate = (ts: number) => Math.floor((ts + offsetAt(ts) * MINUTE) / DAY) * DAY;
  const end = localDate(to);
  for (let date = localDate(from); date <= end; date += DAY) {
    // 1970-01-01 was a Thursday (ISO weekday 4).
    const weekday = ((Math.floor(date / DAY) + 3) % 7) + 1;
    const hours = exceptions.get(date) ?? byWeekday[weekday - 1] ?? [];
    if (hours.length === 0) continue;
    const guess = offsetAt(date);
    const atStart = offsetAt(date - guess * MINUTE);
    const atEnd = offsetAt(date + DAY - guess * MINUTE);
    if (guess === atStart && atStart === atEnd) {
      const base = date - guess * MINUTE;
      for (const h of hours) visit(base + h.start * MINUTE, base + h.end * MINUTE);
    } else {
      const key = new Date(date).toISOString().slice(0, 10);
      const day = DateTime.fromISO(key, { zone: query.timeZone }).startOf('day');
      for (const i of workingIntervals(query, day)) visit(i.start, i.end);
    }
  }
}
