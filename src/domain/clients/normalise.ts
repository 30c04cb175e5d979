import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { InvalidInputError } from '../errors.js';

const PHONE_CHARACTERS = /^\+?[\p{Nd}\s().\-\u2010-\u2015\u2212]+$/u;

/** A phone in E.164 (+79161234567), or InvalidInputError('phone', 'invalid'). */
export function normalisePhone(raw: string, defaultCountry: CountryCode = 'RU'): string {
  const text = raw.trim();
  if (text.length === 0 || text.length > 40) throw new InvalidInputError('phone', 'invalid');
  // Only what people write numbers with: libphonenumber would otherwise pick a number out of
  // any text ("89161234567; drop table", "call 8916…") and accept the garbage around it.
  if (!PHONE_CHARACTERS.test(text)) throw new InvalidInputError('phone', 'invalid');
  // Telegram sends contacts without '+': a bare run of digits that is not a valid national
  // number (8 916 … in Russia) is read as international.
  let parsed = parsePhoneNumberFromString(text, defaultCountry);
  if (!parsed?.isValid() && /^\d{11,15}$/.test(text))
    parsed = parsePhoneNumberFromString(`+${text}`);
  if (!parsed?.isValid()) throw new InvalidInputError('phone', 'invalid');
  return parsed.number;
}

/** A tag as its blind index sees it: case and Unicode form do not make another tag. */
export function tagIndexValue(tag: string): string {
  return tag.normalize('NFKC').trim().toLowerCase().replaceAll('ё', 'е');
}

/** Lower-case words of a name, with ё folded to е, for the name index. */
export function nameTokens(name: string): string[] {
  const words = name
    .normalize('NFKC')
    .toLowerCase()
    .replaceAll('ё', 'е')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
  return [...new Set(words)].slice(0, 10);
}

export interface Birthday {
  day: number;
  month: number;
  year: number | null;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function checkBirthday(b: Birthday, today: Date): Birthday {
  const { day, month, year } = b;
  if (!Number.isInteger(month) || month < 1 || month > 12)
    throw new InvalidInputError('birthday', 'invalid');
  const maxDay =
    month === 2 && year !== null && !isLeap(year) ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (!Number.isInteger(day) || day < 1 || day > maxDay)
    throw new InvalidInputError('birthday', 'invalid');
  if (year !== null) {
    if (!Number.isInteger(year) || year < 1900) throw new InvalidInputError('birthday', 'invalid');
    const date = Date.UTC(year, month - 1, day);
    if (date > today.getTime()) throw new InvalidInputError('birthday', 'in-future');
  }
  return { day, month, year };
}

/** Parses DD.MM or DD.MM.YYYY (also with / or -), as people type it. */
export function parseBirthday(text: string, today: Date): Birthday {
  const m = /^\s*(\d{1,2})[./-](\d{1,2})(?:[./-](\d{4}))?\s*$/.exec(text);
  if (!m) throw new InvalidInputError('birthday', 'format');
  return checkBirthday(
    { day: Number(m[1]), month: Number(m[2]), year: m[3] ? Number(m[3]) : null },
    today,
  );
}

/** Stored form: YYYY-MM-DD, or --MM-DD when the year is unknown (ISO 8601). */
export function formatBirthday(b: Birthday): string {
  const mm = String(b.month).padStart(2, '0');
  const dd = String(b.day).padStart(2, '0');
  return b.year === null ? `--${mm}-${dd}` : `${String(b.year).padStart(4, '0')}-${mm}-${dd}`;
}

export function readBirthday(stored: string): Birthday {
  const m = /^(\d{4}|-)-(\d{2})-(\d{2})$/.exec(stored);
  if (!m) throw new InvalidInputError('birthday', 'invalid');
  return { year: m[1] === '-' ? null : Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** The value behind the birthday index: month and day, so a day's birthdays are one lookup. */
export function birthdayIndexValue(b: Pick<Birthday, 'day' | 'month'>): string {
  return `${String(b.month).padStart(2, '0')}-${String(b.day).padStart(2, '0')}`;
}

/**
 * Free text from people: trimmed, control characters removed (line breaks and tabs kept), and
 * the bidirectional embedding, override and isolate controls too, which can make a name show
 * in the panel as something else ("Trojan Source"), length checked.
 */
export function cleanText(field: string, value: string, maxLength: number): string {
  const text = value
    .normalize('NFC')
    .replace(/\p{Cc}/gu, (c) => (c === '\n' || c === '\t' ? c : ''))
    .replace(/[\u202a-\u202e\u2066-\u2069]/gu, '')
    .trim();
  if (text.length > maxLength) throw new InvalidInputError(field, 'too-long');
  return text;
}
