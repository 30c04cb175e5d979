import { DateTime } from 'luxon';

/** A visit's time as people read it: in the branch's zone, in their language ("Mon 30 November, 10:00"). */
export function formatWhen(at: Date, timeZone: string, locale: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone })
    .setLocale(locale === 'en' ? 'en-GB' : 'ru')
    .toFormat('ccc d MMMM, HH:mm');
}

/** A day without the time ("3 January 2027"), in the zone given. */
export function formatDay(at: Date, timeZone: string, locale: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone })
    .setLocale(locale === 'en' ? 'en-GB' : 'ru')
    .toFormat('d MMMM yyyy');
}

/** Only the clock time, in the branch's zone. */
export function formatTime(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toFormat('HH:mm');
}

/** A money amount without trailing zeros: "1500", "1425.50". */
export function formatAmount(amount: string | number): string {
  const n = Number(amount);
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
