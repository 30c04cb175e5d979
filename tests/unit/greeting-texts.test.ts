import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { birthdaysOn, occurrence } from '../../src/domain/greetings/holiday-dates.js';
import {
  checkTemplate,
  renderTemplate,
  unknownPlaceholders,
} from '../../src/domain/greetings/templates.js';

describe('greeting templates', () => {
  it('fills known placeholders and leaves no braces behind', () => {
    expect(
      renderTemplate('{name}, скидка {discount}% и купон {coupon} до {valid_until}. {branch}', {
        name: 'Анна',
        discount: 5,
        coupon: 'BD-ABCDEFGH',
        valid_until: '14 марта',
        branch: 'Центр',
      }),
    ).toBe('Анна, скидка 5% и купон BD-ABCDEFGH до 14 марта. Центр');
    expect(renderTemplate('{name}, привет! {branch}', { name: 'Анна' })).toBe('Анна, привет!');
  });

  it('refuses unknown placeholders, empty and huge texts when saved', () => {
    expect(unknownPlaceholders('{name} {nmae} {} {coupon} {{x}}')).toEqual(['nmae', '', 'x']);
    const refused = (body: string) => {
      try {
        checkTemplate(body);
        return null;
      } catch (err) {
        return err instanceof InvalidInputError ? err.code : 'other';
      }
    };
    expect(refused('Привет, {name}!')).toBeNull();
    expect(refused('Привет, {имя}!')).toBe('unknown-placeholder');
    expect(refused('{name} <script>{constructor}</script>')).toBe('unknown-placeholder');
    expect(refused('   ')).toBe('empty');
    expect(refused('x'.repeat(2001))).toBe('too-long');
  });

  it('a value that looks like a placeholder is not filled again', () => {
    expect(renderTemplate('{name}: {coupon}', { name: '{coupon}', coupon: 'X' })).toBe(
      '{coupon}: X',
    );
  });
});

describe('holiday dates and birthdays', () => {
  const fixed = (month: number, day: number) => ({
    kind: 'fixed' as const,
    month,
    day,
    weekday: null,
    nth: null,
  });
  const nth = (month: number, weekday: number, n: number) => ({
    kind: 'nth-weekday' as const,
    month,
    day: null,
    weekday,
    nth: n,
  });

  it('fixed dates, and 29 February on the 28th in common years', () => {
    expect(occurrence(fixed(3, 8), 2027)).toBe('2027-03-08');
    expect(occurrence(fixed(2, 29), 2027)).toBe('2027-02-28');
    expect(occurrence(fixed(2, 29), 2028)).toBe('2028-02-29');
  });

  it('movable dates: Mother\u2019s Day in Russia is the last Sunday of November', () => {
    expect(occurrence(nth(11, 7, -1), 2026)).toBe('2026-11-29');
    expect(occurrence(nth(11, 7, -1), 2027)).toBe('2027-11-28');
    expect(occurrence(nth(5, 7, 2), 2027)).toBe('2027-05-09'); // second Sunday of May
    expect(occurrence(nth(2, 1, 5), 2027)).toBe('2027-02-22'); // no fifth Monday: the last
  });

  it('28 February also celebrates 29 February birthdays in common years only', () => {
    expect(birthdaysOn(2027, 2, 28)).toEqual([
      { month: 2, day: 28 },
      { month: 2, day: 29 },
    ]);
    expect(birthdaysOn(2028, 2, 28)).toEqual([{ month: 2, day: 28 }]);
    expect(birthdaysOn(2028, 2, 29)).toEqual([{ month: 2, day: 29 }]);
  });
});
