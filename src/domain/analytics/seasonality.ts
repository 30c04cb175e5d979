import { sql } from 'kysely';
import type { Db } from '../shared/transaction.js';
import {
  type CheckedFilters,
  checkFilters,
  int,
  money,
  monthsOf,
  type PeriodBounds,
} from './period.js';
import { ofBranch, realClient } from './sql-parts.js';
import { analyticsFreshness } from './summary.js';
import type {
  AnalyticsFilters,
  FigureSource,
  MonthFigures,
  Seasonality,
  SeasonalitySeries,
  WeekdayHourCell,
} from './types.js';

interface Row {
  level: number;
  category: string | null;
  service_id: string | null;
  service: string | null;
  month: string;
  visits: string;
  revenue: string | null;
  clients: string;
}

/** Visits of the period in their branch's local calendar (a day's margin for the index). */
const localPeriod = (p: PeriodBounds) => sql`
  a.starts_at >= ${p.start}::timestamptz - interval '1 day'
  AND a.starts_at < ${p.end}::timestamptz + interval '1 day'
  AND (a.starts_at AT TIME ZONE b.time_zone)::date BETWEEN ${p.from}::date AND ${p.to}::date`;

const wholeMonths = (p: PeriodBounds) =>
  p.from.endsWith('-01') &&
  monthsOf({ from: p.to, to: p.to })[0] !== monthsOf({ from: addDay(p.to), to: addDay(p.to) })[0];

function addDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

async function summaryAsOf(db: Db, f: CheckedFilters, source: FigureSource): Promise<Date | null> {
  if (source === 'live') return null;
  const aligned = wholeMonths(f.period) && (!f.compare || wholeMonths(f.compare));
  if (!aligned) return null;
  return (await analyticsFreshness(db)).refreshedAt;
}

/** Completed visits of a period by month, per category, per service and in all (one scan). */
async function liveMonthRows(db: Db, f: CheckedFilters, p: PeriodBounds): Promise<Row[]> {
  const { rows } = await sql<Row>`
    SELECT GROUPING(s.category, a.service_id, s.name) AS level,
      s.category, a.service_id, s.name AS service,
      to_char(a.starts_at AT TIME ZONE b.time_zone, 'YYYY-MM') AS month,
      count(*) AS visits, sum(a.amount_paid) AS revenue, count(DISTINCT a.client_id) AS clients
    FROM appointments a JOIN services s ON s.id = a.service_id JOIN branches b ON b.id = a.branch_id
    WHERE a.status = 'done' AND ${localPeriod(p)}
      AND ${ofBranch(sql`a.branch_id`, f.branchId)} AND ${realClient(sql`a.client_id`)}
    GROUP BY GROUPING SETS ((s.category, a.service_id, s.name, month), (s.category, month), (month))`.execute(
    db,
  );
  return rows;
}

/** The same rows from the monthly summaries (whole months only). */
async function summaryMonthRows(db: Db, f: CheckedFilters, p: PeriodBounds): Promise<Row[]> {
  const { rows } = await sql<Row>`
    SELECT CASE WHEN service_id IS NOT NULL THEN 0 WHEN category IS NOT NULL THEN 3 ELSE 7 END AS level,
      category, service_id, service_name AS service, to_char(month, 'YYYY-MM') AS month,
      visits, revenue, clients
    FROM analytics_month_services
    WHERE month BETWEEN ${p.from}::date AND ${p.to}::date
      AND ${f.branchId === null ? sql`branch_id IS NULL` : sql`branch_id = ${f.branchId}::uuid`}`.execute(
    db,
  );
  return rows;
}

function series(
  key: string,
  label: string,
  rows: Row[],
  compareRows: Row[],
  months: string[],
  compareMonths: string[],
): SeasonalitySeries {
  const fill = (list: Row[], ms: string[]): MonthFigures[] =>
    ms.map((month) => {
      const r = list.find((x) => x.month === month);
      return {
        month,
        visits: int(r?.visits),
        revenue: money(r?.revenue),
        clients: int(r?.clients),
      };
    });
  const figures = fill(rows, months);
  const top = Math.max(0, ...figures.map((m) => m.visits));
  return {
    key,
    label,
    months: figures,
    compareMonths: fill(compareRows, compareMonths),
    peakMonths: top > 0 ? figures.filter((m) => m.visits === top).map((m) => m.month) : [],
  };
}

/**
 * A1: completed visits and revenue per month, by service category and by service, beside the
 * comparison period; peak months are those with the most visits. Whole months are read from
 * the monthly summaries when they exist (`freshAsOf` says as of when), other periods live.
 */
export async function seasonality(
  db: Db,
  filters: AnalyticsFilters,
  source: FigureSource = 'auto',
): Promise<Seasonality> {
  const f = checkFilters(filters);
  const freshAsOf = await summaryAsOf(db, f, source);
  const read = freshAsOf ? summaryMonthRows : liveMonthRows;
  const months = monthsOf(f.period);
  const compareMonths = f.compare ? monthsOf(f.compare) : [];
  const now = await read(db, f, f.period);
  const before = f.compare ? await read(db, f, f.compare) : [];
  const level = (rows: Row[], l: number) => rows.filter((r) => int(r.level) === l);
  // GROUPING bits: category=4, service_id=2, name=1; (category, month) leaves 3, (month) leaves 7.
  const byService = level(now, 0);
  const byCategory = level(now, 3);
  const services = new Map<string, { label: string; category: string }>();
  for (const r of [...byService, ...level(before, 0)]) {
    services.set(r.service_id ?? '', { label: r.service ?? '', category: r.category ?? '' });
  }
  const categories = [
    ...new Set([...byCategory, ...level(before, 3)].map((r) => r.category ?? '')),
  ].sort();
  return {
    period: { from: f.period.from, to: f.period.to },
    compare: f.compare ? { from: f.compare.from, to: f.compare.to } : null,
    byCategory: categories.map((c) =>
      series(
        c,
        c,
        byCategory.filter((r) => r.category === c),
        level(before, 3).filter((r) => r.category === c),
        months,
        compareMonths,
      ),
    ),
    byService: [...services.entries()]
      .sort(
        (a, b) =>
          a[1].category.localeCompare(b[1].category) || a[1].label.localeCompare(b[1].label),
      )
      .map(([id, s]) =>
        series(
          id,
          s.label,
          byService.filter((r) => r.service_id === id),
          level(before, 0).filter((r) => r.service_id === id),
          months,
          compareMonths,
        ),
      ),
    total: series('', '', level(now, 7), level(before, 7), months, compareMonths),
    freshAsOf,
  };
}

/**
 * When clients want to come: every booking made for the period (whatever became of it), by the
 * local weekday and hour of its start in its branch. Whole months come from the summaries.
 */
export async function weekdayHour(
  db: Db,
  filters: AnalyticsFilters,
  source: FigureSource = 'auto',
): Promise<WeekdayHourCell[]> {
  const f = checkFilters(filters);
  const fromSummary = await summaryAsOf(db, { ...f, compare: null }, source);
  const { rows } = fromSummary
    ? await sql<{ wd: number; h: number; n: string; clients: string }>`
        SELECT weekday::int AS wd, hour::int AS h, sum(bookings) AS n, max(clients) AS clients
        FROM analytics_month_hours
        WHERE month BETWEEN ${f.period.from}::date AND ${f.period.to}::date
          AND ${f.branchId === null ? sql`branch_id IS NULL` : sql`branch_id = ${f.branchId}::uuid`}
        GROUP BY 1, 2 ORDER BY 1, 2`.execute(db)
    : await sql<{ wd: number; h: number; n: string; clients: string }>`
        SELECT wd, h, sum(n) AS n, max(clients) AS clients FROM (
          SELECT extract(isodow FROM a.starts_at AT TIME ZONE b.time_zone)::int AS wd,
            extract(hour FROM a.starts_at AT TIME ZONE b.time_zone)::int AS h,
            date_trunc('month', a.starts_at AT TIME ZONE b.time_zone) AS m,
            count(*) AS n, count(DISTINCT a.client_id) AS clients
          FROM appointments a JOIN branches b ON b.id = a.branch_id
          WHERE ${localPeriod(f.period)}
            AND ${ofBranch(sql`a.branch_id`, f.branchId)} AND ${realClient(sql`a.client_id`)}
          GROUP BY 1, 2, 3) per_month
        GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return rows.map((r) => ({
    weekday: r.wd,
    hour: r.h,
    bookings: int(r.n),
    clients: int(r.clients),
  }));
}
