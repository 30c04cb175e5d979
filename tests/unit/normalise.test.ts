import { describe, expect, it } from 'vitest';
import {
  cleanText,
  nameTokens,
  normalisePhone,
  parseBirthday,
} from '../../src/domain/clients/normalise.js';
import { InvalidInputError } from '../../src/domain/errors.js';

const today = new Date('2026-11-24T12:00:00Z');

describe('normalisePhone', () => {
  it.each([
    ['+7 916 123-45-67', '+79161234567'],
    ['8 (916) 123 45 67', '+79161234567'],
    ['79161234567', '+79161234567'],
    ['+79161234567', '+79161234567'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+49 30 901820', '+4930901820'],
  ])('%s → %s', (raw, e164) => {
    expect(normalisePhone(raw)).toBe(e164);
  });

  it.each([
    '',
    '   ',
    'abc',
    '123',
    '+7 916',
    "'); drop table clients;--",
    '📞📞📞',
    'x'.repeat(10_000),
  ])('refuses %j', (raw) => {
    expect(() => normalisePhone(raw)).toThrow(InvalidInputError);
  });
});

describe('nameTokens', () => {
  it('folds case and ё, drops punctuation and repeats', () => {
    expect(nameTokens('Алёна  ЁЛКИНА-Петрова, алёна')).toEqual(['алена', 'елкина', 'петрова']);
    expect(nameTokens('  ')).toEqual([]);
    expect(nameTokens('<script>alert(1)</script>')).toEqual(['script', 'alert', '1']);
  });
});

describe('parseBirthday', () => {
  it('reads DD.MM and DD.MM.YYYY', () => {
    expect(parseBirthday('05.03', today)).toEqual({ day: 5, month: 3, year: null });
    expect(parseBirthday('1.1.1990', today)).toEqual({ day: 1, month: 1, year: 1990 });
    expect(parseBirthday('29.02.2024', today)).toEqual({ day: 29, month: 2, year: 2024 });
    expect(parseBirthday('29.02', today)).toEqual({ day: 29, month: 2, year: null });
    expect(parseBirthday('31/12/2000', today)).toEqual({ day: 31, month: 12, year: 2000 });
  });

  it.each([
    ['31.02', 'invalid'],
    ['29.02.2023', 'invalid'],
    ['00.00', 'invalid'],
    ['32.01', 'invalid'],
    ['01.13', 'invalid'],
    ['01.01.1899', 'invalid'],
    ['01.01.2027', 'in-future'],
    ['tomorrow', 'format'],
    ['', 'format'],
    ['1.1.1.1', 'format'],
    ['9'.repeat(5000), 'format'],
  ])('refuses %j (%s)', (text, code) => {
    try {
      parseBirthday(text, today);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).code).toBe(code);
    }
  });
});

describe('cleanText', () => {
  it('removes control characters, keeps line breaks, checks length', () => {
    expect(cleanText('notes', ' a\u0000b\u0007c\nd\te ', 100)).toBe('abc\nd\te');
    expect(() => cleanText('notes', 'x'.repeat(101), 100)).toThrow(InvalidInputError);
  });
});
