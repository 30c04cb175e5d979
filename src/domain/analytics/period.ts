import { DateTime, IANAZone } from 'luxon';
import { InvalidInputError } from '../errors.js';
import { isUuid } from '../shared/ids.js';
import type { AnalyticsFilters, ResolvedPeriod } from './types.js';

/** Longest period one query covers: a mistyped year must not scan the whole history twice. */
export const MAX_PERIOD_DAYS = 3 * 366;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A period as instants: `start` is the first day's local midnight, `end` the day after `to`. */
export interface PeriodBounds extends ResolvedPeriod {
  start: Date;
  end: Date;
}

export interface CheckedFilters {
  zone: string;
  branchId: string | null;
  period: PeriodBounds;
  compare: PeriodBounds | null;
}

function day(field: 'from' | 'to', value: unknown, zone: string): DateTime {
  if (typeof value !== 'string' || !DAY.test(value)) {
    throw new InvalidInputError(field, 'date', `${field}: a date as YYYY-MM-DD is expected`);
  }
  const d = DateTime.fromISO(value, { zone });
  if (!d.isValid) throw new InvalidInputError(field, 'date', `${field}: no such date`);
  return d.startOf('day');
}

function bounds(from: DateTime, to: DateTime): PeriodBounds {
  return {
    from: from.toISODate() ?? '',
    to: to.toISODate() ?? '',
    start: from.toJSDate(),
    end: to.plus({ days: 1 }).startOf('day').toJSDate(),
  };
}

/**
 * The filters checked and turned into instants. The comparison is the period of the same length
 * just before (`previous`; as many whole months before, when whole months are asked) or the
 * same calendar days a year earlier (`last-year`).
 */
export function checkFilters(filters: AnalyticsFilters): CheckedFilters {
  const zone = filters.zone;
  if (typeof zone !== 'string' || !IANAZone.isValidZone(zone)) {
    throw new InvalidInputError('zone', 'zone', 'zone: not a known time zone');
  }
  const from = day('from', filters.from, zone);
  const to = day('to', filters.to, zone);
  if (to < from) throw new InvalidInputError('to', 'order', 'to: the period ends before it starts');
  const days = Math.round(to.diff(from, 'days').days) + 1;
  if (days > MAX_PERIOD_DAYS) {
    throw new InvalidInputError(
      'to',
      'too-long',
      `to: a period is at most ${MAX_PERIOD_DAYS} days`,
    );
  }
  if (filters.branchId !== undefined && filters.branchId !== null) {
    if (!isUuid(filters.branchId)) {
      throw new InvalidInputError('branchId', 'id', 'branchId: not a branch id');
    }
  }
  let compare: PeriodBounds | null = null;
  const wholeMonths = from.day === 1 && to.plus({ days: 1 }).day === 1;
  if (filters.compare === 'previous' && wholeMonths) {
    const months = Math.round(to.plus({ days: 1 }).diff(from, 'months').months);
    compare = bounds(from.minus({ months }), from.minus({ days: 1 }));
  } else if (filters.compare === 'previous') {
    compare = bounds(from.minus({ days }), from.minus({ days: 1 }));
  } else if (filters.compare === 'last-year') {
    compare = bounds(from.minus({ years: 1 }), to.minus({ years: 1 }));
  } else if (filters.compare !== undefined && filters.compare !== null) {
    throw new InvalidInputError('compare', 'compare', "compare: 'previous' or 'last-year'");
  }
  return { zone, branchId: filters.branchId ?? null, period: bounds(from, to), compare };
}

/** The months 'YYYY-MM' a period touches, in order. */
export function monthsOf(p: ResolvedPeriod): string[] {
  const out: string[] = [];
  let m = DateTime.fromISO(p.from, { zone: 'UTC' }).startOf('month');
  const last = DateTime.fromISO(p.to, { zone: 'UTC' }).startOf('month');
  while (m <= last) {
    out.push(m.toFormat('yyyy-MM'));
    m = m.plus({ months: 1 });
  }
  return out;
}

/** Money and rates as the panel shows them: cents and four decimals, no float noise. */
export const money = (v: unknown): number => Math.round(Number(v ?? 0) * 100) / 100;
export const ratio = (a: number, b: number): number =>
  b > 0 ? Math.round((a / b) * 10_000) / 10_000 : 0;
export const int = (v: unknown): number => Number(v ?? 0);
