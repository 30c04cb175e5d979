import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  freeSlots,
  type SlotQuery,
  workingIntervals,
} from '../../src/domain/booking/free-slots.js';

const weekdays = (start: string, end: string) =>
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end }));
const local = (iso: string, zone = 'Europe/Moscow') => DateTime.fromISO(iso, { zone }).toJSDate();
const times = (slots: Date[], zone = 'Europe/Moscow') =>
  slots.map((s) => DateTime.fromJSDate(s, { zone }).toFormat('HH:mm'));

function query(over: Partial<SlotQuery>): SlotQuery {
  return {
    timeZone: 'Europe/Moscow',
    from: local('2026-12-01T00:00'),
    to: local('2026-12-01T23:59'),
    durationMin: 60,
    bufferMin: 0,
    stepMin: 30,
    weekly: weekdays('10:00', '14:00'),
    exceptions: [],
    busy: [],
    ...over,
  };
}

describe('free slots', () => {
  it('steps through working hours and keeps the whole visit inside them', () => {
    expect(times(freeSlots(query({})))).toEqual([
      '10:00',
      '10:30',
      '11:00',
      '11:30',
      '12:00',
      '12:30',
      '13:00',
    ]);
  });

  it('respects breaks, buffers and existing visits back to back', () => {
    const slots = freeSlots(
      query({
        weekly: [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => [
          { weekday, start: '10:00', end: '13:00' },
          { weekday, start: '14:00', end: '17:00' },
        ]),
        bufferMin: 15,
        busy: [{ start: local('2026-12-01T11:00'), end: local('2026-12-01T12:15') }],
      }),
    );
    // 10:00 + 60 + 15 buffer runs into the 11:00 visit; after its 12:15 end the morning has no
    // full hour left before the 13:00 break, so the next start is 14:00.
    expect(times(slots)).toEqual(['14:00', '14:30', '15:00', '15:30', '16:00']);
    const backToBack = freeSlots(
      query({ busy: [{ start: local('2026-12-01T11:00'), end: local('2026-12-01T12:00') }] }),
    );
    expect(times(backToBack)).toEqual(['10:00', '12:00', '12:30', '13:00']);
  });

  it('gives nothing to a master with no hours, and honours days off and extra hours', () => {
    expect(freeSlots(query({ weekly: [] }))).toEqual([]);
    expect(freeSlots(query({ exceptions: [{ day: '2026-12-01', hours: [] }] }))).toEqual([]);
    const extra = freeSlots(
      query({ exceptions: [{ day: '2026-12-01', hours: [{ start: '18:00', end: '20:00' }] }] }),
    );
    expect(times(extra)).toEqual(['18:00', '18:30', '19:00']);
  });

  it('keeps to the lead time and the horizon', () => {
    const slots = freeSlots(
      query({ from: local('2026-12-01T11:10'), to: local('2026-12-01T12:30') }),
    );
    expect(times(slots)).toEqual(['11:30', '12:00', '12:30']);
    const week = freeSlots(
      query({ from: local('2026-12-01T00:00'), to: local('2026-12-07T23:59') }),
    );
    expect(week).toHaveLength(7 * 7);
  });

  it('shows the right local times on daylight-saving days', () => {
    const zone = 'Europe/Berlin';
    const spring = freeSlots(
      query({
        timeZone: zone,
        weekly: weekdays('01:00', '05:00'),
        from: local('2026-03-29T00:00', zone),
        to: local('2026-03-29T23:00', zone),
      }),
    );
    // 02:00–03:00 does not exist that night; the interval 01:00–05:00 lasts three real hours.
    expect(times(spring, zone)).toEqual(['01:00', '01:30', '03:00', '03:30', '04:00']);
    const autumn = freeSlots(
      query({
        timeZone: zone,
        weekly: weekdays('09:00', '12:00'),
        from: local('2026-10-25T00:00', zone),
        to: local('2026-10-25T23:00', zone),
      }),
    );
    expect(times(autumn, zone)).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00']);
    expect(DateTime.fromJSDate(autumn[0] ?? new Date(), { zone }).offset).toBe(60);
  });

  it('never returns a slot that overlaps a visit or leaves working hours (property)', () => {
    const day = DateTime.fromISO('2026-12-01', { zone: 'Europe/Moscow' });
    fc.assert(
      fc.property(
        fc.integer({ min: 15, max: 180 }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom(5, 10, 15, 30),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 23 * 60 }), fc.integer({ min: 10, max: 240 })),
          { maxLength: 8 },
        ),
        fc.array(
          fc.tuple(fc.integer({ min: 6 * 60, max: 20 * 60 }), fc.integer({ min: 30, max: 6 * 60 })),
          { minLength: 1, maxLength: 3 },
        ),
        (duration, buffer, step, visits, hours) => {
          const hhmm = (m: number) =>
            `${String(Math.floor(Math.min(m, 1439) / 60)).padStart(2, '0')}:${String(Math.min(m, 1439) % 60).padStart(2, '0')}`;
          const weekly = hours.map(([s, len]) => ({
            weekday: 2,
            start: hhmm(s),
            end: hhmm(s + len),
          }));
          const busy = visits.map(([s, len]) => ({
            start: day.plus({ minutes: s }).toJSDate(),
            end: day.plus({ minutes: s + len }).toJSDate(),
          }));
          const q = query({
            durationMin: duration,
            bufferMin: buffer,
            stepMin: step,
            weekly,
            busy,
          });
          const intervals = workingIntervals(q, day);
          for (const slot of freeSlots(q)) {
            const start = slot.getTime();
            const end = start + duration * 60_000;
            expect(intervals.some((i) => i.start <= start && end <= i.end)).toBe(true);
            for (const b of busy)
              expect(b.start.getTime() < end + buffer * 60_000 && start < b.end.getTime()).toBe(
                false,
              );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** The rule read literally: Luxon for every day, every visit checked for every time. */
function naiveFreeSlots(q: SlotQuery): number[] {
  const out: number[] = [];
  const duration = q.durationMin * 60_000;
  const blocked = (q.durationMin + q.bufferMin) * 60_000;
  const step = Math.max(q.stepMin, 1) * 60_000;
  const last = DateTime.fromJSDate(q.to, { zone: q.timeZone }).startOf('day');
  for (
    let day = DateTime.fromJSDate(q.from, { zone: q.timeZone }).startOf('day');
    day <= last;
    day = day.plus({ days: 1 }).startOf('day')
  ) {
    for (const i of workingIntervals(q, day)) {
      for (let t = i.start; t + duration <= i.end; t += step) {
        if (t < q.from.getTime() || t > q.to.getTime()) continue;
        if (!q.busy.some((b) => b.start.getTime() < t + blocked && t < b.end.getTime()))
          out.push(t);
      }
    }
  }
  return out;
}

describe('free slots, the fast sweep', () => {
  it('finds exactly what the literal rule finds, across weeks, zones and clock changes (property)', () => {
    const hhmm = (m: number) =>
      `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const interval = fc
      .tuple(fc.integer({ min: 0, max: 23 * 60 }), fc.integer({ min: 15, max: 8 * 60 }))
      .map(([s, len]) => ({ start: hhmm(s), end: hhmm(Math.min(s + len, 1439)) }));
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Moscow', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'),
        // Around both 2026 clock changes of Europe and America.
        fc.constantFrom('2026-03-05', '2026-03-25', '2026-10-20', '2026-10-30', '2026-12-01'),
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        fc.integer({ min: 0, max: 14 * 24 * 60 }),
        fc.integer({ min: 15, max: 180 }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom(5, 10, 15, 30),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 7 }), interval), { maxLength: 10 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 16 }), fc.array(interval, { maxLength: 2 })), {
          maxLength: 4,
        }),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 16 * 24 * 60 }), fc.integer({ min: 10, max: 300 })),
          { maxLength: 40 },
        ),
        (zone, date, startMin, spanMin, duration, buffer, step, weekly, exceptions, visits) => {
          const day0 = DateTime.fromISO(date, { zone });
          const q: SlotQuery = {
            timeZone: zone,
            from: day0.plus({ minutes: startMin }).toJSDate(),
            to: day0.plus({ minutes: startMin + spanMin }).toJSDate(),
            durationMin: duration,
            bufferMin: buffer,
            stepMin: step,
            weekly: weekly.map(([weekday, i]) => ({ weekday, ...i })),
            exceptions: exceptions.map(([d, hours]) => ({
              day: day0.plus({ days: d }).toISODate() ?? '',
              hours,
            })),
            busy: visits.map(([s, len]) => ({
              start: day0.plus({ minutes: s }).toJSDate(),
              end: day0.plus({ minutes: s + len }).toJSDate(),
            })),
          };
          expect(freeSlots(q).map((d) => d.getTime())).toEqual(naiveFreeSlots(q));
        },
      ),
      { numRuns: 400 },
    );
  });
});
