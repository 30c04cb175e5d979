import { describe, expect, it } from 'vitest';
import {
  birthdayIndexValue,
  checkBirthday,
  cleanText,
  formatBirthday,
  nameTokens,
  normalisePhone,
  parseBirthday,
  readBirthday,
} from '../../src/domain/clients/normalise.js';
import { InvalidInputError } from '../../src/domain/errors.js';

const today = new Date('2026-11-24T12:00:00Z');

function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('normalisePhone: the ways people write one number', () => {
  it.each([
    '89161234567',
    '8-916-123-45-67',
    '8 916 123 45 67',
    '8 (916) 123-45-67',
    '8(916)123-45-67',
    '8.916.123.45.67',
    '+7 916 123 45 67',
    '+7 (916) 123-45-67',
    '+7-916-123-45-67',
    '+7\u00a0916\u00a0123\u00a045\u00a067', // no-break spaces, as copied from a web page
    '+7 916 123–45–67', // en dashes
    '7 916 123 45 67',
    '79161234567',
    '9161234567',
    '  +79161234567  ',
    '８９１６１２３４５６７', // full-width digits
  ])('%j → +79161234567', (raw) => {
    expect(normalisePhone(raw)).toBe('+79161234567');
  });

  it.each([
    ['+1 650 253 0000', '+16502530000'],
    ['16502530000', '+16502530000'], // a contact from Telegram, without '+'
    ['+380 44 123 4567', '+380441234567'],
    ['+998 90 123 45 67', '+998901234567'],
    ['+44 7911 123456', '+447911123456'],
    ['8 800 555-35-35', '+78005553535'],
  ])('foreign and service numbers: %j → %s', (raw, e164) => {
    expect(normalisePhone(raw)).toBe(e164);
  });

  it.each([
    '',
    ' ',
    '\n\t',
    '+',
    '()',
    '---',
    '0',
    '8',
    '8916',
    '8 916 123 45 6',
    '8 916 123 45 67 89',
    '0000000000',
    '+70000000000',
    '+7 000 000-00-00',
    '++79161234567',
    '7+9161234567',
    '+999 123 456 789',
    'not a phone at all',
    'восемь девятьсот шестнадцать',
    "'); drop table clients;--",
    "89161234567'); drop table clients;--",
    '89161234567 OR 1=1',
    'call me: 89161234567',
    'tel:+79161234567',
    '+7 916 123 45 67 ext 5',
    '<script>alert(1)</script>',
    '89161234567<script>',
    '📞📞📞',
    '📞 89161234567',
    '8916\u00001234567',
    '+7 916 123\u202e45 67',
    '9'.repeat(41),
    '8 916 123 45 67'.repeat(10),
    'x'.repeat(10_000),
    '8'.repeat(10_000),
  ])('refuses %j as phone/invalid', (raw) => {
    const err = refusal(() => normalisePhone(raw));
    expect([err.field, err.code]).toEqual(['phone', 'invalid']);
    expect(err.message.length).toBeLessThan(40); // names the field, never echoes the input
  });
});

describe('nameTokens', () => {
  it('folds case, ё and compatibility forms', () => {
    expect(nameTokens('ЁЛКИНА')).toEqual(['елкина']);
    expect(nameTokens('Ёлкина')).toEqual(nameTokens('елкина'));
    expect(nameTokens('Фёдор Семёнович')).toEqual(['федор', 'семенович']);
    expect(nameTokens('ＪＯＨＮ Smith')).toEqual(['john', 'smith']);
    expect(nameTokens('Zoë')).toEqual(['zoë']);
  });

  it('splits on punctuation and spaces, keeps digits, drops repeats', () => {
    expect(nameTokens("Анна-Мария О'Нил, мл.")).toEqual(['анна', 'мария', 'о', 'нил', 'мл']);
    expect(nameTokens('Анна анна АННА\tанна\nанна')).toEqual(['анна']);
    expect(nameTokens('Клиент 42')).toEqual(['клиент', '42']);
    expect(nameTokens("'); drop table clients;--")).toEqual(['drop', 'table', 'clients']);
    expect(nameTokens('🙂 💅')).toEqual([]);
    expect(nameTokens('')).toEqual([]);
    expect(nameTokens('.,;:!?-—')).toEqual([]);
  });

  it('keeps at most ten words', () => {
    const words = Array.from({ length: 15 }, (_, i) => `w${i}`);
    expect(nameTokens(words.join(' '))).toEqual(words.slice(0, 10));
  });
});

describe('birthdays', () => {
  it.each([
    ['1.1', { day: 1, month: 1, year: null }],
    ['01.01', { day: 1, month: 1, year: null }],
    [' 5.3 ', { day: 5, month: 3, year: null }],
    ['29.02', { day: 29, month: 2, year: null }],
    ['29.02.2024', { day: 29, month: 2, year: 2024 }],
    ['29.02.2000', { day: 29, month: 2, year: 2000 }],
    ['31.12.1900', { day: 31, month: 12, year: 1900 }],
    ['24.11.2026', { day: 24, month: 11, year: 2026 }], // today
    ['05-03-1990', { day: 5, month: 3, year: 1990 }],
    ['5/3/1990', { day: 5, month: 3, year: 1990 }],
  ])('accepts %j', (text, expected) => {
    expect(parseBirthday(text, today)).toEqual(expected);
  });

  it.each([
    ['31.02', 'invalid'],
    ['30.02', 'invalid'],
    ['31.04', 'invalid'],
    ['31.06.1990', 'invalid'],
    ['29.02.2023', 'invalid'],
    ['29.02.1900', 'invalid'], // 1900 was not a leap year
    ['00.00', 'invalid'],
    ['00.01', 'invalid'],
    ['01.00', 'invalid'],
    ['01.01.1899', 'invalid'],
    ['01.01.0000', 'invalid'],
    ['25.11.2026', 'in-future'],
    ['01.01.2100', 'in-future'],
    ['1.1.90', 'format'],
    ['1.1.19900', 'format'],
    ['001.01', 'format'],
    ['-1.01', 'format'],
    ['1 января', 'format'],
    ['1990-03-05', 'format'],
    ['05.03.1990г', 'format'],
    ['05,03', 'format'],
    ['5.3.', 'format'],
    ["05.03'); drop table clients;--", 'format'],
    ['٠٥.٠٣', 'format'],
    ['\u0000', 'format'],
    ['1.1'.repeat(3000), 'format'],
  ])('refuses %j (%s)', (text, code) => {
    const err = refusal(() => parseBirthday(text, today));
    expect([err.field, err.code]).toEqual(['birthday', code]);
  });

  it('checks structured birthdays too (as the panel sends them)', () => {
    for (const bad of [
      { day: 1.5, month: 1, year: null },
      { day: 1, month: 1.5, year: null },
      { day: 1, month: 1, year: 1990.5 },
      { day: Number.NaN, month: 1, year: null },
      { day: 1, month: 13, year: null },
      { day: -1, month: 1, year: null },
    ]) {
      expect(refusal(() => checkBirthday(bad, today)).field).toBe('birthday');
    }
    expect(checkBirthday({ day: 29, month: 2, year: null }, today)).toEqual({
      day: 29,
      month: 2,
      year: null,
    });
  });

  it('stores as ISO 8601 and reads back', () => {
    for (const b of [
      { day: 5, month: 3, year: 1990 },
      { day: 29, month: 2, year: null },
      { day: 31, month: 12, year: 1900 },
    ]) {
      expect(readBirthday(formatBirthday(b))).toEqual(b);
    }
    expect(formatBirthday({ day: 5, month: 3, year: null })).toBe('--03-05');
    expect(formatBirthday({ day: 5, month: 3, year: 1990 })).toBe('1990-03-05');
    expect(birthdayIndexValue({ day: 5, month: 3 })).toBe('03-05');
    expect(refusal(() => readBirthday('05.03.1990')).field).toBe('birthday');
  });
});

describe('cleanText', () => {
  it('removes C0, DEL and C1 control characters but keeps line breaks and tabs', () => {
    expect(cleanText('notes', 'a\u0000b\u001bc\u007fd\u0085e\u009bf', 100)).toBe('abcdef');
    expect(cleanText('notes', 'line 1\nline 2\tend', 100)).toBe('line 1\nline 2\tend');
    expect(cleanText('notes', '\r\n  text \u0000 ', 100)).toBe('text');
  });

  it('removes bidirectional overrides that could disguise a name', () => {
    expect(cleanText('name', 'Анна \u202eанировИ\u202c', 100)).toBe('Анна анировИ');
    expect(cleanText('name', '\u2066x\u2069', 100)).toBe('x');
  });

  it('keeps ordinary text, emoji and hostile-looking strings as they are', () => {
    for (const text of [
      "'); drop table clients;--",
      '<script>alert(1)</script>',
      'Анна 💅🏽 👩‍👩‍👧',
      'Zoë',
    ]) {
      expect(cleanText('notes', text, 100)).toBe(text);
    }
  });

  it('composes to NFC before counting, and enforces the length', () => {
    expect(cleanText('name', 'e\u0301', 1)).toBe('\u00e9');
    expect(cleanText('name', 'x'.repeat(200), 200)).toHaveLength(200);
    const err = refusal(() => cleanText('name', 'x'.repeat(201), 200));
    expect([err.field, err.code]).toEqual(['name', 'too-long']);
    // Control characters removed first do not count against the limit.
    expect(cleanText('name', `${'x'.repeat(200)}\u0000\u0000`, 200)).toHaveLength(200);
    expect(cleanText('name', '   ', 200)).toBe('');
  });
});
