import { describe, expect, it } from 'vitest';
import { createTestClock, salonTime, zonedAt } from '../helpers/clock.js';

describe('the test clock', () => {
  it('stands still, then moves only when told', () => {
    const clock = createTestClock('2026-12-01T08:00:00Z');
    expect(clock().toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(clock().toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(clock.advance({ minutes: 90 }).toISOString()).toBe('2026-12-01T09:30:00.000Z');
    clock.set(new Date('2027-01-01T00:00:00Z'));
    expect(clock().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('hands out copies, so a caller cannot move it', () => {
    const clock = createTestClock('2026-12-01T08:00:00Z');
    clock().setUTCFullYear(1999);
    expect(clock().getUTCFullYear()).toBe(2026);
  });

  it('refuses a time that is not one', () => {
    expect(() => createTestClock('someday')).toThrow(/not a time/);
    const clock = createTestClock('2026-12-01T08:00:00Z');
    expect(() => clock.set('never')).toThrow(/not a time/);
    expect(clock().toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(() => zonedAt()('25:99')).toThrow(/not a time/);
  });

  it('reads wall-clock times in the salon zone, across a daylight-saving change', () => {
    const { zone, at, now } = salonTime('2026-12-01T08:00');
    expect(zone).toBe('Europe/Moscow');
    expect(now.toISOString()).toBe('2026-12-01T05:00:00.000Z');
    expect(at('2026-12-01T10:00').toISOString()).toBe('2026-12-01T07:00:00.000Z');
    const berlin = zonedAt('Europe/Berlin');
    expect(berlin('2026-03-28T12:00').toISOString()).toBe('2026-03-28T11:00:00.000Z');
    expect(berlin('2026-03-30T12:00').toISOString()).toBe('2026-03-30T10:00:00.000Z');
  });
});
