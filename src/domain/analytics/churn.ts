import { type RawBuilder, sql } from 'kysely';
import { getSettings } from '../settings.js';
import type { Db } from '../shared/transaction.js';
import { checkFilters, int, money, ratio } from './period.js';
import { ofBranch } from './sql-parts.js';
import type {
  AnalyticsFilters,
  ChurnMonth,
  ChurnSettings,
  ChurnState,
  ClientChurn,
  FigureSource,
} from './types.js';

/** The churn model's factors as the salon set them (settings), with their defaults. */
export async function churnSettings(db: Db): Promise<ChurnSettings> {
  const s = await getSettings(db, [
    'churn.at_risk_factor',
    'churn.lost_factor',
    'churn.default_cycle_days',
  ]);
  const atRiskFactor = Math.max(1, s['churn.at_risk_factor']);
  return {
    atRiskFactor,
    lostFactor: Math.max(atRiskFactor, s['churn.lost_factor']),
    defaultCycleDays: Math.max(1, s['churn.default_cycle_days']),
  };
}

export interface ModelScope {
  now: Date;
  branchId: string | null;
  /** Only this client (the card); all clients otherwise. */
  clientId?: string;
  /** Read each client's facts and the services' cycles from the summaries (see summary.ts). */
  facts?: boolean;
}

/** Whether the model reads the refreshed facts: unless told to go live, once they exist. */
export async function factsReady(db: Db, source: FigureSource = 'auto'): Promise<boolean> {
  if (source === 'live') return false;
  const { rows } = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM analytics_refresh`.execute(db);
  return (rows[0]?.n ?? 0) > 0;
}

/**
 * The per-client model as SQL common table expressions, ending in `model`: one row per living,
 * real client with a completed visit up to `now` — visits, spend, first and last visit, the
 * expected interval (median of the client's own gaps of a day or more; else the median gap of
 * their last service across all clients; else the default cycle) and the state it gives.
 * Branch = the client's home branch.
 */
export function modelCtes(scope: ModelScope, s: ChurnSettings): RawBuilder<unknown> {
  const only = scope.clientId ? sql`AND a.client_id = ${scope.clientId}::uuid` : sql``;
  const living = sql`c.erased_at IS NULL AND NOT c.sandbox AND ${ofBranch(sql`c.home_branch_id`, scope.branchId)}`;
  const inputs = scope.facts
    ? sql`
    per AS (
      SELECT f.client_id, f.visits, f.spend, f.first_at, f.last_at, f.own_days,
        f.first_service, f.last_service
      FROM analytics_client_facts f JOIN clients c ON c.id = f.client_id
      WHERE f.last_at <= ${scope.now} AND ${living}
        ${scope.clientId ? sql`AND f.client_id = ${scope.clientId}::uuid` : sql``}
    ),
    cycle AS (SELECT service_id, days FROM analytics_service_cycles),`
    : sql`
    cv AS (
      SELECT a.client_id, a.service_id, a.starts_at, a.amount_paid,
        lag(a.starts_at) OVER (PARTITION BY a.client_id ORDER BY a.starts_at) AS prev
      FROM appointments a JOIN clients c ON c.id = a.client_id
      WHERE a.status = 'done' AND a.starts_at <= ${scope.now} ${only} AND ${living}
    ),
    per AS (
      SELECT client_id, count(*) AS visits, sum(amount_paid) AS spend,
        min(starts_at) AS first_at, max(starts_at) AS last_at,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM starts_at - prev) / 86400)
          FILTER (WHERE starts_at - prev >= interval '1 day') AS own_days,
        (array_agg(service_id ORDER BY starts_at))[1] AS first_service,
        (array_agg(service_id ORDER BY starts_at DESC))[1] AS last_service
      FROM cv GROUP BY client_id
    ),
    cycle AS (
      SELECT service_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS days FROM (
        SELECT a.service_id, extract(epoch FROM a.starts_at - lag(a.starts_at) OVER (
          PARTITION BY a.client_id, a.service_id ORDER BY a.starts_at)) / 86400 AS gap
        FROM appointments a
        WHERE a.status = 'done' AND a.starts_at <= ${scope.now} AND a.client_id IS NOT NULL
          ${scope.clientId ? sql`AND a.service_id IN (SELECT last_service FROM per)` : sql``}
      ) g WHERE gap >= 1 GROUP BY service_id
    ),`;
  return sql`${inputs}
    model AS (
      SELECT per.*, COALESCE(per.own_days, cycle.days, ${s.defaultCycleDays}::float8) AS interval_days,
        CASE WHEN per.own_days IS NOT NULL THEN 'client'
          WHEN cycle.days IS NOT NULL THEN 'service' ELSE 'default' END AS interval_from
      FROM per LEFT JOIN cycle ON cycle.service_id = per.last_service
    ),
    judged AS (
      SELECT model.*, last_at + make_interval(secs => interval_days * 86400) AS expected_at,
        CASE
          WHEN ${scope.now}::timestamptz > last_at + make_interval(secs => interval_days * 86400 * ${s.lostFactor}::float8) THEN 'lost'
          WHEN ${scope.now}::timestamptz > last_at + make_interval(secs => interval_days * 86400 * ${s.atRiskFactor}::float8) THEN 'at-risk'
          ELSE 'active' END AS state
      FROM model
    )`;
}

export interface JudgedRow {
  client_id: string;
  visits: string;
  spend: string | null;
  first_at: Date;
  last_at: Date;
  interval_days: number;
  interval_from: 'client' | 'service' | 'default';
  expected_at: Date;
  state: ChurnState;
}

export function toClientChurn(r: JudgedRow): ClientChurn {
  return {
    clientId: r.client_id,
    lastVisitAt: r.last_at,
    visits: int(r.visits),
    spend: money(r.spend),
    expectedIntervalDays: Math.round(Number(r.interval_days) * 10) / 10,
    intervalFrom: r.interval_from,
    expectedReturnAt: r.expected_at,
    state: r.state,
  };
}

const MAX_LIST = 1000;

/**
 * A3 churn: clients by the model's state, most valuable (spend to date) first — the at-risk
 * list the win-back button works from.
 */
export async function churnList(
  db: Db,
  now: Date,
  options: { branchId?: string; states?: ChurnState[]; limit?: number; source?: FigureSource } = {},
): Promise<ClientChurn[]> {
  const s = await churnSettings(db);
  const facts = await factsReady(db, options.source);
  const states = options.states?.length ? options.states : (['at-risk'] as ChurnState[]);
  const limit = Math.min(MAX_LIST, Math.max(1, Math.floor(options.limit ?? 100)));
  const { rows } = await sql<JudgedRow>`
    WITH ${modelCtes({ now, branchId: options.branchId ?? null, facts }, s)}
    SELECT * FROM judged WHERE state IN (${sql.join(states)})
    ORDER BY spend DESC NULLS LAST, last_at DESC, client_id LIMIT ${limit}`.execute(db);
  return rows.map(toClientChurn);
}

/** How many clients the model puts in each state (for the page's counters). */
export async function churnCounts(
  db: Db,
  now: Date,
  options: { branchId?: string; source?: FigureSource } = {},
): Promise<Record<ChurnState, number>> {
  const s = await churnSettings(db);
  const facts = await factsReady(db, options.source);
  const { rows } = await sql<{ state: ChurnState; n: string }>`
    WITH ${modelCtes({ now, branchId: options.branchId ?? null, facts }, s)}
    SELECT state, count(*) AS n FROM judged GROUP BY state`.execute(db);
  const out: Record<ChurnState, number> = { active: 0, 'at-risk': 0, lost: 0 };
  for (const r of rows) out[r.state] = int(r.n);
  return out;
}

/**
 * Churn rate per month of the period: of the clients active at the month's start (their last
 * visit before it not yet lapsed into "lost"), the share whose lapse fell in the month without
 * a visit first. Each client's interval is the one the model gives them today.
 */
export async function churnRate(
  db: Db,
  filters: AnalyticsFilters,
  now: Date,
): Promise<ChurnMonth[]> {
  const f = checkFilters(filters);
  const s = await churnSettings(db);
  const { rows } = await sql<{ month: string; active: string; lost: string }>`
    WITH ${modelCtes({ now, branchId: f.branchId }, s)},
    lapses AS (
      SELECT cv.client_id, cv.starts_at,
        lead(cv.starts_at) OVER (PARTITION BY cv.client_id ORDER BY cv.starts_at) AS next_at,
        cv.starts_at + make_interval(secs => m.interval_days * 86400 * ${s.lostFactor}::float8) AS lapse_at
      FROM cv JOIN model m ON m.client_id = cv.client_id
    ),
    months AS (
      SELECT to_char(d, 'YYYY-MM') AS month, d AT TIME ZONE ${f.zone} AS m_start,
        (d + interval '1 month') AT TIME ZONE ${f.zone} AS m_end
      FROM generate_series(date_trunc('month', ${f.period.from}::date)::timestamp,
        ${f.period.to}::date::timestamp, interval '1 month') d
    )
    SELECT months.month,
      count(*) FILTER (WHERE l.lapse_at >= months.m_start) AS active,
      count(*) FILTER (WHERE l.lapse_at >= months.m_start AND l.lapse_at < months.m_end
        AND l.lapse_at <= ${now}::timestamptz AND (l.next_at IS NULL OR l.next_at > l.lapse_at)) AS lost
    FROM months LEFT JOIN lapses l ON l.starts_at < months.m_start
      AND (l.next_at IS NULL OR l.next_at >= months.m_start)
    GROUP BY months.month ORDER BY months.month`.execute(db);
  return rows.map((r) => ({
    month: r.month,
    activeAtStart: int(r.active),
    lost: int(r.lost),
    rate: ratio(int(r.lost), int(r.active)),
  }));
}
