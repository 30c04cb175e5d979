import { DateTime, type DurationLike } from 'luxon';
import type { Clock } from '../../src/domain/shared/clock.js';

/** The zone most tests' salon is in. */
export const SALON_ZONE = 'Europe/Moscow';

/** `at('2026-12-01T08:00')`: a wall-clock time in the zone, as the instant it names. */
export function zonedAt(zone: string = SALON_ZONE): (iso: string) => Date {
  return (iso) => {
    const time = DateTime.fromISO(iso, { zone });
    if (!time.isValid) throw new Error(`not a time: ${iso}`);
    return time.toJSDate();
  };
}

/**
 * The clock prelude of a test file: the salon's zone, `at` for its wall-clock times, and the
 * file's "now" in that zone.
 */
export function salonTime(now: string, zone: string = SALON_ZONE) {
  const at = zonedAt(zone);
  return { zone, at, now: at(now) };
}

/** A clock the test moves by hand: it stands still between set() and advance(). */
export interface TestClock extends Clock {
  set(to: Date | string): void;
  advance(by: DurationLike): Date;
}

export function createTestClock(start: Date | string): TestClock {
  const toDate = (d: Date | string) => new Date(typeof d === 'string' ? d : d.getTime());
  let current = toDate(start);
  if (Number.isNaN(current.getTime())) throw new Error(`not a time: ${String(start)}`);
  const clock = () => new Date(current);
  return Object.assign(clock, {
    set(to: Date | string) {
      const next = toDate(to);
      if (Number.isNaN(next.getTime())) throw new Error(`not a time: ${String(to)}`);
      current = next;
    },
    advance(by: DurationLike) {
      current = DateTime.fromJSDate(current).plus(by).toJSDate();
      return new Date(current);
    },
  });
}
