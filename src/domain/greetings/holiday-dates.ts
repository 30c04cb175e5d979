/** A holiday's rule: a fixed date, or the n-th (or last, -1) weekday of a month. */
export interface HolidayRule {
  kind: 'fixed' | 'nth-weekday';
  month: number;
  day: number | null;
  weekday: number | null;
  nth: number | null;
}

const iso = (y: number, m: number, d: number) =>
  `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The holiday's date in a year ('YYYY-MM-DD'); 29 February falls on the 28th in other years. */
export function occurrence(rule: HolidayRule, year: number): string {
  if (rule.kind === 'fixed') {
    const day = Math.min(rule.day ?? 1, daysIn(year, rule.month));
    return iso(year, rule.month, day);
  }
  const weekday = rule.weekday ?? 1; // ISO: 1 = Monday … 7 = Sunday
  const nth = rule.nth ?? 1;
  const isoWeekday = (d: number) =>
    ((new Date(Date.UTC(year, rule.month - 1, d)).getUTCDay() + 6) % 7) + 1;
  if (nth === -1) {
    for (let d = daysIn(year, rule.month); d > 0; d--)
      if (isoWeekday(d) === weekday) return iso(year, rule.month, d);
  }
  let seen = 0;
  for (let d = 1; d <= daysIn(year, rule.month); d++) {
    if (isoWeekday(d) === weekday && ++seen === nth) return iso(year, rule.month, d);
  }
  // A fifth weekday that does not exist this month: the last one.
  return occurrence({ ...rule, nth: -1 }, year);
}

/** Month-days whose birthdays are celebrated on a date: 28 Feb also celebrates 29 Feb in other years. */
export function birthdaysOn(
  year: number,
  month: number,
  day: number,
): { month: number; day: number }[] {
  const dates = [{ month, day }];
  const leap = daysIn(year, 2) === 29;
  if (!leap && month === 2 && day === 28) dates.push({ month: 2, day: 29 });
  return dates;
}

/** The first date on or after `today` ('YYYY-MM-DD') the holiday falls on. */
export function nextOccurrence(rule: HolidayRule, today: string): string {
  const year = Number(today.slice(0, 4));
  const date = occurrence(rule, year);
  return date >= today ? date : occurrence(rule, year + 1);
}

/** Whether a month has the day in some year (29 February does, 30 February never). */
export function dayExists(month: number, day: number): boolean {
  return day >= 1 && day <= daysIn(2024, month);
}
