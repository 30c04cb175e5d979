import { describe, expect, it } from 'vitest';
import {
  formatExceptions,
  formatWeeklyHours,
  parseExceptions,
  parseWeeklyHours,
} from '../../src/domain/booking/hours-text.js';
import { InvalidInputError } from '../../src/domain/errors.js';

describe('weekly hours as text', () => {
  it('reads day names, numbers, ranges (wrapping too) and breaks', () => {
    expect(parseWeeklyHours('пн-пт 10:00-14:00, 15:00-19:00\nсб 11:00–16:00')).toEqual([
      ...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '10:00', end: '14:00' })),
      ...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '15:00', end: '19:00' })),
      { weekday: 6, start: '11:00', end: '16:00' },
    ]);
    expect(parseWeeklyHours('sat-mon 9:00-12:00').map((h) => h.weekday)).toEqual([1, 6, 7]);
    expect(parseWeeklyHours('1,3,5 09:00-13:00').map((h) => h.weekday)).toEqual([1, 3, 5]);
    expect(parseWeeklyHours('\n  \n')).toEqual([]);
  });

  it('writes them back with weekday names, days alike as one range, and reads that again', () => {
    const rows = parseWeeklyHours('пн-вт 10:00-14:00, 15:00-19:00');
    const text = formatWeeklyHours(rows);
    expect(text).toBe('пн-вт 10:00-14:00, 15:00-19:00');
    expect(parseWeeklyHours(text)).toEqual(rows);
    expect(formatWeeklyHours(parseWeeklyHours('пн-вс 10:00-20:00'))).toBe('пн-вс 10:00-20:00');
    expect(formatWeeklyHours(parseWeeklyHours('пн-вс 10:00-20:00'), 'en')).toBe(
      'mon-sun 10:00-20:00',
    );
    // A gap, a day with other hours, and a lone day: no number anywhere.
    const mixed = 'пн-ср 10:00-19:00\nпт 10:00-19:00\nсб 11:00-16:00\nвс 11:00-16:00, 17:00-18:00';
    expect(formatWeeklyHours(parseWeeklyHours(mixed))).toBe(mixed);
    expect(formatWeeklyHours(parseWeeklyHours(mixed))).not.toMatch(/(^|\n)\d/);
    expect(formatWeeklyHours([])).toBe('');
    // Rows in any order (as the database returns them) come back sorted.
    expect(
      formatWeeklyHours([
        { weekday: 3, start: '10:00:00', end: '12:00:00' },
        { weekday: 2, start: '10:00:00', end: '12:00:00' },
      ]),
    ).toBe('вт-ср 10:00-12:00');
  });

  it('refuses what it cannot read', () => {
    for (const bad of [
      'пн',
      'xx 10:00-12:00',
      'пн 10-12',
      'пн 10:00',
      '8 10:00-12:00',
      'x'.repeat(2001),
      '<script> 1:00-2:00',
    ])
      expect(() => parseWeeklyHours(bad), bad).toThrow(InvalidInputError);
  });
});

describe('date exceptions as text', () => {
  it('reads days off and days with their own hours, and writes them back', () => {
    const list = parseExceptions(
      '2026-12-31 off\n2027-01-02 10:00-14:00, 15:00-18:00\n\n2027-01-07 выходной',
    );
    expect(list).toEqual([
      { day: '2026-12-31', kind: 'off' },
      {
        day: '2027-01-02',
        kind: 'hours',
        hours: [
          { start: '10:00', end: '14:00' },
          { start: '15:00', end: '18:00' },
        ],
      },
      { day: '2027-01-07', kind: 'off' },
    ]);
    expect(
      formatExceptions([
        { day: '2027-01-02', kind: 'hours', starts: '15:00:00', ends: '18:00:00' },
        { day: '2026-12-31', kind: 'off', starts: null, ends: null },
        { day: '2027-01-02', kind: 'hours', starts: '10:00:00', ends: '14:00:00' },
      ]),
    ).toBe('2026-12-31 off\n2027-01-02 10:00-14:00, 15:00-18:00');
  });

  it('refuses lines it cannot read', () => {
    for (const bad of [
      '31.12.2026 off',
      '2026-12-31',
      '2026-12-31 maybe',
      '2026-12-31 10-14',
      'x'.repeat(20_001),
    ])
      expect(() => parseExceptions(bad), bad).toThrow(InvalidInputError);
  });
});
