import { InvalidInputError } from '../errors.js';

/**
 * Weekly hours as people write them, one line per group of days:
 *   "пн-пт 10:00-14:00, 15:00-19:00" / "sat 11:00-16:00" / "1,3,5 09:00-13:00".
 * Days are ISO numbers (1 = Monday) or Russian or English short names; a range may wrap
 * ("сб-пн"). A day not mentioned is a day off.
 */
const NAMES: Record<string, number> = {
  пн: 1,
  вт: 2,
  ср: 3,
  чт: 4,
  пт: 5,
  сб: 6,
  вс: 7,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
};

export interface WeeklyInterval {
  weekday: number;
  start: string;
  end: string;
}

function day(token: string, line: number): number {
  const t = token.trim().toLowerCase();
  const n = /^[1-7]$/.test(t) ? Number(t) : NAMES[t];
  if (n === undefined)
    throw new InvalidInputError('hours', 'invalid', `line ${line}: unknown day "${t}"`);
  return n;
}

function days(spec: string, line: number): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const [from, to] = part.split(/[-–]/);
    if (from === undefined || from.trim() === '')
      throw new InvalidInputError('hours', 'invalid', `line ${line}`);
    const a = day(from, line);
    const b = to === undefined ? a : day(to, line);
    for (let d = a, i = 0; i < 7; d = (d % 7) + 1, i++) {
      out.add(d);
      if (d === b) break;
    }
  }
  return [...out].sort((x, y) => x - y);
}

export function parseWeeklyHours(text: string): WeeklyInterval[] {
  if (text.length > 2000) throw new InvalidInputError('hours', 'too-long');
  const out: WeeklyInterval[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new InvalidInputError('hours', 'invalid', `line ${i + 1}`);
    for (const interval of (m[2] ?? '').split(',')) {
      const t = /^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$/.exec(interval);
      if (!t) throw new InvalidInputError('hours', 'invalid', `line ${i + 1}`);
      const hhmm = (h: string, mm: string) => `${h.padStart(2, '0')}:${mm}`;
      for (const weekday of days(m[1] ?? '', i + 1))
        out.push({
          weekday,
          start: hhmm(t[1] ?? '', t[2] ?? ''),
          end: hhmm(t[3] ?? '', t[4] ?? ''),
        });
    }
  });
  return out;
}

const SHORT_NAMES = {
  ru: ['пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс'],
  en: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
} as const;

/**
 * The same text back for the form and the list, with weekday names: consecutive days with the
 * same hours become one range ("пн-пт 10:00-19:00\nсб 11:00-16:00"), which reads back the same.
 */
export function formatWeeklyHours(rows: WeeklyInterval[], lang: 'ru' | 'en' = 'ru'): string {
  const byDay = new Map<number, string[]>();
  for (const r of [...rows].sort((a, b) => a.weekday - b.weekday || a.start.localeCompare(b.start)))
    byDay.set(r.weekday, [
      ...(byDay.get(r.weekday) ?? []),
      `${r.start.slice(0, 5)}-${r.end.slice(0, 5)}`,
    ]);
  const name = (d: number) => SHORT_NAMES[lang][d - 1] ?? String(d);
  const lines: { from: number; to: number; hours: string }[] = [];
  for (const [d, list] of byDay) {
    const hours = list.join(', ');
    const last = lines.at(-1);
    if (last && last.to === d - 1 && last.hours === hours) last.to = d;
    else lines.push({ from: d, to: d, hours });
  }
  return lines
    .map(({ from, to, hours }) =>
      from === to ? `${name(from)} ${hours}` : `${name(from)}-${name(to)} ${hours}`,
    )
    .join('\n');
}

export type DateException =
  | { day: string; kind: 'off' }
  | { day: string; kind: 'hours'; hours: { start: string; end: string }[] };

/**
 * Date exceptions, one line each: "2026-12-31 off" (also "выходной") or
 * "2027-01-02 10:00-14:00, 15:00-18:00" (that day's own hours).
 */
export function parseExceptions(text: string): DateException[] {
  if (text.length > 20_000) throw new InvalidInputError('exceptions', 'too-long');
  const out: DateException[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^(\d{4}-\d{2}-\d{2})\s+(.+)$/.exec(line);
    if (!m) throw new InvalidInputError('exceptions', 'invalid', `line ${i + 1}`);
    const day = m[1] ?? '';
    const rest = (m[2] ?? '').trim().toLowerCase();
    if (['off', 'выходной', 'нет'].includes(rest)) {
      out.push({ day, kind: 'off' });
      return;
    }
    const hours = rest.split(',').map((interval) => {
      const t = /^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$/.exec(interval);
      if (!t) throw new InvalidInputError('exceptions', 'invalid', `line ${i + 1}`);
      return {
        start: `${(t[1] ?? '').padStart(2, '0')}:${t[2]}`,
        end: `${(t[3] ?? '').padStart(2, '0')}:${t[4]}`,
      };
    });
    out.push({ day, kind: 'hours', hours });
  });
  return out;
}

export function formatExceptions(
  rows: { day: string; kind: string; starts: string | null; ends: string | null }[],
): string {
  const byDay = new Map<string, string[]>();
  for (const r of [...rows].sort(
    (a, b) => a.day.localeCompare(b.day) || (a.starts ?? '').localeCompare(b.starts ?? ''),
  ))
    byDay.set(r.day, [
      ...(byDay.get(r.day) ?? []),
      r.kind === 'off' ? 'off' : `${(r.starts ?? '').slice(0, 5)}-${(r.ends ?? '').slice(0, 5)}`,
    ]);
  return [...byDay].map(([day, list]) => `${day} ${list.join(', ')}`).join('\n');
}
