import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { NotFoundError } from '../errors.js';
import type { Db } from '../shared/transaction.js';
import { churnRate, churnSettings, factsReady, type JudgedRow, modelCtes } from './churn.js';
import { checkFilters, int, money } from './period.js';
import { quintileScore, RFM_SEGMENTS, rfmSegment } from './rfm.js';
import { attribution } from './sources.js';
import { ofBranch, realClient } from './sql-parts.js';
import type {
  AnalyticsFilters,
  ClientLtv,
  ClientMix,
  ClientSummary,
  CohortRow,
  FigureSource,
  LtvGroup,
  RfmSegment,
  RfmSegmentRow,
} from './types.js';

/**
 * A3 cohorts: clients by the month of their first completed visit (months of the period), and
 * for each later month how many of them had a completed visit in it. Branch = home branch.
 */
export async function cohorts(db: Db, filters: AnalyticsFilters): Promise<CohortRow[]> {
  const f = checkFilters(filters);
  const { rows } = await sql<{ cohort: string; k: number; n: string }>`
    WITH v AS (
      SELECT a.client_id, date_trunc('month', a.starts_at AT TIME ZONE ${f.zone}) AS m
      FROM appointments a JOIN clients c ON c.id = a.client_id
      WHERE a.status = 'done' AND a.starts_at < ${f.period.end} AND NOT c.sandbox
        AND ${ofBranch(sql`c.home_branch_id`, f.branchId)}
      GROUP BY 1, 2
    ),
    firsts AS (SELECT client_id, min(m) AS cm FROM v GROUP BY client_id)
    SELECT to_char(firsts.cm, 'YYYY-MM') AS cohort,
      ((extract(year FROM v.m) - extract(year FROM firsts.cm)) * 12
        + extract(month FROM v.m) - extract(month FROM firsts.cm))::int AS k,
      count(*) AS n
    FROM firsts JOIN v ON v.client_id = firsts.client_id
    WHERE firsts.cm >= date_trunc('month', ${f.period.from}::date)::timestamp
    GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  const last = DateTime.fromISO(f.period.to, { zone: 'UTC' }).startOf('month');
  const out: CohortRow[] = [];
  for (const r of rows) {
    let row = out.find((c) => c.cohort === r.cohort);
    if (!row) {
      const span = Math.round(
        last.diff(DateTime.fromISO(`${r.cohort}-01`, { zone: 'UTC' }), 'months').months,
      );
      row = { cohort: r.cohort, size: 0, retained: new Array(span + 1).fill(0) };
      out.push(row);
    }
    if (r.k === 0) row.size = int(r.n);
    if (r.k < row.retained.length) row.retained[r.k] = int(r.n);
  }
  return out;
}

/** Expected lifetime in years from the salon's average monthly churn over the last 12 months. */
export async function expectedLifetimeYears(
  db: Db,
  now: Date,
  zone: string,
  branchId?: string,
): Promise<number> {
  const to = DateTime.fromJSDate(now, { zone }).minus({ months: 1 }).endOf('month');
  const from = to.minus({ months: 11 }).startOf('month');
  const months = await churnRate(
    db,
    {
      from: from.toISODate() ?? '',
      to: to.toISODate() ?? '',
      zone,
      ...(branchId ? { branchId } : {}),
    },
    now,
  );
  const active = months.reduce((n, m) => n + m.activeAtStart, 0);
  const lost = months.reduce((n, m) => n + m.lost, 0);
  if (lost === 0 || active === 0) return MAX_LIFETIME_YEARS;
  return Math.min(MAX_LIFETIME_YEARS, Math.round((active / lost / 12) * 100) / 100);
}

/** With no churn observed, a lifetime is capped rather than infinite. */
export const MAX_LIFETIME_YEARS = 10;

function ltvOf(r: JudgedRow, lifetimeYears: number): ClientLtv {
  const visits = int(r.visits);
  const spend = money(r.spend);
  const avgTicket = visits ? money(spend / visits) : 0;
  const perYear = 365 / Math.max(1, Number(r.interval_days));
  return {
    clientId: r.client_id,
    spendToDate: spend,
    visits,
    avgTicket,
    frequency: Math.round(perYear * 100) / 100,
    expectedLifetimeYears: lifetimeYears,
    expectedLtv: money((spend / Math.max(1, visits)) * perYear * lifetimeYears),
  };
}

/**
 * A3 LTV per client: spend to date, and expected LTV = average ticket × visits a year (from the
 * churn model's interval) × expected lifetime (from the churn rate). Highest expected first.
 */
export async function clientLtv(
  db: Db,
  now: Date,
  options: { zone: string; branchId?: string; limit?: number; source?: FigureSource },
): Promise<ClientLtv[]> {
  const s = await churnSettings(db);
  const facts = await factsReady(db, options.source);
  const life = await expectedLifetimeYears(db, now, options.zone, options.branchId);
  const limit = Math.min(1000, Math.max(1, Math.floor(options.limit ?? 100)));
  const { rows } = await sql<JudgedRow>`
    WITH ${modelCtes({ now, branchId: options.branchId ?? null, facts }, s)}
    SELECT * FROM judged
    ORDER BY (spend / visits) * (365 / GREATEST(1, interval_days)) DESC NULLS LAST, client_id
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => ltvOf(r, life));
}

/**
 * A3 LTV per acquisition source (as the source tree attributes clients: their own, or their
 * referral chain's) or per first service, over clients with a completed visit: average spend to
 * date and expected LTV.
 */
export async function ltvByGroup(
  db: Db,
  now: Date,
  by: 'source' | 'first-service',
  options: { zone: string; branchId?: string; source?: FigureSource },
): Promise<LtvGroup[]> {
  const s = await churnSettings(db);
  const facts = await factsReady(db, options.source);
  const life = await expectedLifetimeYears(db, now, options.zone, options.branchId);
  const group =
    by === 'source'
      ? sql`attr.src AS key, src.name AS label FROM judged j JOIN attr ON attr.id = j.client_id
          LEFT JOIN acquisition_sources src ON src.id = attr.src`
      : sql`j.first_service AS key, sv.name AS label FROM judged j
          JOIN services sv ON sv.id = j.first_service`;
  const { rows } = await sql<{
    key: string | null;
    label: string | null;
    n: string;
    spend: string | null;
    expected: number | null;
  }>`
    WITH ${modelCtes({ now, branchId: options.branchId ?? null, facts }, s)},
    ${attribution({ branchId: options.branchId ?? null })},
    grouped AS (SELECT j.*, ${group})
    SELECT key, label, count(*) AS n, sum(spend) AS spend,
      avg((spend / visits) * (365 / GREATEST(1, interval_days))) AS expected
    FROM grouped GROUP BY key, label ORDER BY sum(spend) DESC NULLS LAST, label`.execute(db);
  return rows.map((r) => {
    const clients = int(r.n);
    return {
      key: r.key,
      label: r.label ?? '',
      clients,
      spendToDate: money(r.spend),
      avgLtv: clients ? money(Number(r.spend ?? 0) / clients) : 0,
      avgExpectedLtv: money(Number(r.expected ?? 0) * life),
    };
  });
}

interface RfmRow {
  client_id: string;
  visits: string;
  spend: string | null;
  r: number;
  f: number;
  m: number;
}

const rfmWindow = (now: Date) => DateTime.fromJSDate(now).minus({ months: 12 }).toJSDate();

async function rfmRows(db: Db, now: Date, branchId: string | null): Promise<RfmRow[]> {
  const { rows } = await sql<RfmRow>`
    WITH w AS (
      SELECT a.client_id, max(a.starts_at) AS last_at, count(*) AS visits, sum(a.amount_paid) AS spend
      FROM appointments a JOIN clients c ON c.id = a.client_id
      WHERE a.status = 'done' AND a.starts_at > ${rfmWindow(now)} AND a.starts_at <= ${now}
        AND c.erased_at IS NULL AND NOT c.sandbox AND ${ofBranch(sql`c.home_branch_id`, branchId)}
      GROUP BY a.client_id
    )
    SELECT client_id, visits, spend,
      percent_rank() OVER (ORDER BY last_at) AS r,
      percent_rank() OVER (ORDER BY visits) AS f,
      percent_rank() OVER (ORDER BY COALESCE(spend, 0)) AS m
    FROM w`.execute(db);
  return rows;
}

function segmentOf(r: RfmRow): RfmSegment {
  return rfmSegment(
    { recency: quintileScore(r.r), frequency: quintileScore(r.f), monetary: quintileScore(r.m) },
    int(r.visits),
  );
}

/**
 * A3 RFM over the 12 months before `now`: each client with a completed visit in them is scored
 * 1–5 on recency, frequency and money by quintile and named (see rfmSegment). Branch = home.
 */
export async function rfmSegments(
  db: Db,
  now: Date,
  options: { branchId?: string } = {},
): Promise<RfmSegmentRow[]> {
  const rows = await rfmRows(db, now, options.branchId ?? null);
  const out = new Map<RfmSegment, RfmSegmentRow>(
    RFM_SEGMENTS.map((segment) => [segment, { segment, size: 0, revenue: 0, clientIds: [] }]),
  );
  for (const r of rows) {
    const seg = out.get(segmentOf(r));
    if (!seg) continue;
    seg.size++;
    seg.revenue += Number(r.spend ?? 0);
    seg.clientIds.push(r.client_id);
  }
  return [...out.values()].map((s) => ({ ...s, revenue: money(s.revenue) }));
}

/** A3 new against returning clients in the period, visits per client and the average ticket. */
export async function clientMix(db: Db, filters: AnalyticsFilters): Promise<ClientMix> {
  const f = checkFilters(filters);
  const [r] = (
    await sql<{ fresh: string; clients: string; visits: string; revenue: string | null }>`
      WITH v AS (
        SELECT a.client_id, a.amount_paid, a.starts_at FROM appointments a
        WHERE a.status = 'done' AND a.starts_at >= ${f.period.start} AND a.starts_at < ${f.period.end}
          AND ${ofBranch(sql`a.branch_id`, f.branchId)} AND ${realClient(sql`a.client_id`)}
      ),
      who AS (SELECT DISTINCT client_id FROM v WHERE client_id IS NOT NULL)
      SELECT (SELECT count(*) FROM who WHERE NOT EXISTS (
          SELECT 1 FROM appointments e WHERE e.client_id = who.client_id AND e.status = 'done'
            AND e.starts_at < ${f.period.start})) AS fresh,
        (SELECT count(*) FROM who) AS clients,
        (SELECT count(*) FROM v) AS visits, (SELECT sum(amount_paid) FROM v) AS revenue`.execute(db)
  ).rows;
  const clients = int(r?.clients);
  const visits = int(r?.visits);
  const revenue = money(r?.revenue);
  return {
    period: { from: f.period.from, to: f.period.to },
    newClients: int(r?.fresh),
    returningClients: clients - int(r?.fresh),
    visits,
    visitsPerClient: clients ? Math.round((visits / clients) * 100) / 100 : 0,
    revenue,
    avgTicket: visits ? money(revenue / visits) : 0,
  };
}

/** What the client card shows: spend, visits, ticket, last visit, expected return, segment, source. */
export async function clientSummary(db: Db, clientId: string, now: Date): Promise<ClientSummary> {
  const client = await db
    .selectFrom('clients')
    .leftJoin('acquisition_sources', 'acquisition_sources.id', 'clients.source_id')
    .select([
      'clients.id',
      'clients.source_id',
      'clients.referrer_id',
      'acquisition_sources.name as source_name',
    ])
    .where('clients.id', '=', clientId)
    .where('clients.erased_at', 'is', null)
    .executeTakeFirst();
  if (!client) throw new NotFoundError('client');
  const s = await churnSettings(db);
  const facts = await factsReady(db);
  const { rows } = await sql<JudgedRow>`
    WITH ${modelCtes({ now, branchId: null, clientId, facts }, s)}
    SELECT * FROM judged`.execute(db);
  const m = rows[0];
  let segment: RfmSegment | null = null;
  if (m && m.last_at > rfmWindow(now)) {
    const ranked = (await rfmRows(db, now, null)).find((r) => r.client_id === clientId);
    segment = ranked ? segmentOf(ranked) : null;
  }
  const visits = int(m?.visits);
  const spend = money(m?.spend);
  return {
    clientId,
    spend,
    visits,
    avgTicket: visits ? money(spend / visits) : 0,
    lastVisitAt: m?.last_at ?? null,
    expectedReturnAt: m?.expected_at ?? null,
    churnState: m?.state ?? null,
    segment,
    sourceId: client.source_id,
    sourceName: client.source_name ?? null,
    referrerId: client.referrer_id,
  };
}
