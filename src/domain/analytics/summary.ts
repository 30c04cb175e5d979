import { sql } from 'kysely';
import { type Db, inTransaction } from '../shared/transaction.js';
import { int } from './period.js';

/** Dirty (branch, month) pairs recomputed per transaction: bounded work per step. */
const BATCH = 50;

/**
 * Recomputes the monthly summaries of the months whose visits changed (a trigger on
 * appointments marks them), for their branch and for the whole salon. Each batch commits on its
 * own when given the pool (the job's use case), so a crash loses nothing: unfinished months
 * stay dirty; two runs at once take different months (SKIP LOCKED).
 * Returns how many (branch, month) pairs were refreshed.
 */
export async function refreshAnalyticsSummary(db: Db, now: Date): Promise<number> {
  let done = 0;
  for (;;) {
    const n = await inTransaction(db, async (tx) => {
      const { rows } = await sql<{ branch_id: string; month: string }>`
        DELETE FROM analytics_dirty WHERE (branch_id, month) IN (
          SELECT branch_id, month FROM analytics_dirty ORDER BY month, branch_id
          LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING branch_id, month::text AS month`.execute(tx);
      for (const r of rows) await recomputeBranchMonth(tx, r.branch_id, r.month);
      for (const month of new Set(rows.map((r) => r.month))) await recomputeSalonMonth(tx, month);
      return rows.length;
    });
    done += n;
    if (n < BATCH) break;
  }
  done += await refreshClientFacts(db);
  await sql`INSERT INTO analytics_refresh (id, refreshed_at) VALUES (true, ${now})
    ON CONFLICT (id) DO UPDATE SET refreshed_at = excluded.refreshed_at`.execute(db);
  return done;
}

/** Clients whose facts are recomputed per transaction. */
const CLIENT_BATCH = 5000;

/**
 * The churn model's inputs for the clients whose visits changed: completed visits, spend,
 * first and last visit, the median of their own gaps of a day or more, first and last service.
 * When any changed, every service's typical cycle (the median gap between one client's visits
 * to it) is recomputed too. Returns how many clients were refreshed.
 */
async function refreshClientFacts(db: Db): Promise<number> {
  let done = 0;
  for (;;) {
    const n = await inTransaction(db, async (tx) => {
      const { rows } = await sql<{ client_id: string }>`
        DELETE FROM analytics_dirty_clients WHERE client_id IN (
          SELECT client_id FROM analytics_dirty_clients LIMIT ${CLIENT_BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING client_id`.execute(tx);
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.client_id);
      await sql`DELETE FROM analytics_client_facts WHERE client_id = ANY(${ids}::uuid[])`.execute(
        tx,
      );
      await sql`
        INSERT INTO analytics_client_facts
          (client_id, visits, spend, first_at, last_at, own_days, first_service, last_service)
        SELECT client_id, count(*), COALESCE(sum(amount_paid), 0), min(starts_at), max(starts_at),
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM starts_at - prev) / 86400)
            FILTER (WHERE starts_at - prev >= interval '1 day'),
          (array_agg(service_id ORDER BY starts_at))[1],
          (array_agg(service_id ORDER BY starts_at DESC))[1]
        FROM (
          SELECT a.client_id, a.service_id, a.starts_at, a.amount_paid,
            lag(a.starts_at) OVER (PARTITION BY a.client_id ORDER BY a.starts_at) AS prev
          FROM appointments a JOIN clients c ON c.id = a.client_id
          WHERE a.status = 'done' AND a.client_id = ANY(${ids}::uuid[])) v
        GROUP BY client_id`.execute(tx);
      return rows.length;
    });
    done += n;
    if (n < CLIENT_BATCH) break;
  }
  if (done > 0) {
    await inTransaction(db, async (tx) => {
      await sql`DELETE FROM analytics_service_cycles`.execute(tx);
      await sql`
        INSERT INTO analytics_service_cycles (service_id, days)
        SELECT service_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FROM (
          SELECT a.service_id, extract(epoch FROM a.starts_at - lag(a.starts_at) OVER (
            PARTITION BY a.client_id, a.service_id ORDER BY a.starts_at)) / 86400 AS gap
          FROM appointments a WHERE a.status = 'done' AND a.client_id IS NOT NULL) g
        WHERE gap >= 1 GROUP BY service_id`.execute(tx);
    });
  }
  return done;
}

/** Visits of one branch in one of its local months. */
const branchMonthVisits = (branchId: string, month: string) => sql`
  SELECT a.*, (a.starts_at AT TIME ZONE b.time_zone) AS local_at
  FROM appointments a JOIN branches b ON b.id = a.branch_id
  WHERE a.branch_id = ${branchId}::uuid
    AND a.starts_at >= (${month}::date - 1)::timestamp AT TIME ZONE 'UTC'
    AND a.starts_at < (${month}::date + interval '1 month' + interval '1 day') AT TIME ZONE 'UTC'
    AND date_trunc('month', a.starts_at AT TIME ZONE b.time_zone) = ${month}::date
    AND NOT EXISTS (SELECT 1 FROM clients sc WHERE sc.id = a.client_id AND sc.sandbox)`;

/** Every branch's visits in the month, each in its own branch's calendar. */
const salonMonthVisits = (month: string) => sql`
  SELECT a.*, (a.starts_at AT TIME ZONE b.time_zone) AS local_at
  FROM appointments a JOIN branches b ON b.id = a.branch_id
  WHERE a.starts_at >= (${month}::date - 1)::timestamp AT TIME ZONE 'UTC'
    AND a.starts_at < (${month}::date + interval '1 month' + interval '1 day') AT TIME ZONE 'UTC'
    AND date_trunc('month', a.starts_at AT TIME ZONE b.time_zone) = ${month}::date
    AND NOT EXISTS (SELECT 1 FROM clients sc WHERE sc.id = a.client_id AND sc.sandbox)`;

async function recompute(
  db: Db,
  branchId: string | null,
  month: string,
  visits: ReturnType<typeof sql>,
): Promise<void> {
  const branch = branchId === null ? sql`branch_id IS NULL` : sql`branch_id = ${branchId}::uuid`;
  await sql`DELETE FROM analytics_month_services WHERE month = ${month}::date AND ${branch}`.execute(
    db,
  );
  await sql`DELETE FROM analytics_month_hours WHERE month = ${month}::date AND ${branch}`.execute(
    db,
  );
  await sql`
    INSERT INTO analytics_month_services
      (branch_id, month, category, service_id, service_name, visits, revenue, clients)
    SELECT ${branchId}::uuid, ${month}::date, s.category,
      CASE WHEN GROUPING(v.service_id) = 0 THEN v.service_id END,
      CASE WHEN GROUPING(v.service_id) = 0 THEN min(s.name) END,
      count(*), COALESCE(sum(v.amount_paid), 0), count(DISTINCT v.client_id)
    FROM (${visits}) v JOIN services s ON s.id = v.service_id
    WHERE v.status = 'done'
    GROUP BY GROUPING SETS ((s.category, v.service_id), (s.category), ())`.execute(db);
  await sql`
    INSERT INTO analytics_month_hours (branch_id, month, weekday, hour, bookings, clients)
    SELECT ${branchId}::uuid, ${month}::date, extract(isodow FROM v.local_at),
      extract(hour FROM v.local_at), count(*), count(DISTINCT v.client_id)
    FROM (${visits}) v GROUP BY 3, 4`.execute(db);
}

function recomputeBranchMonth(db: Db, branchId: string, month: string): Promise<void> {
  return recompute(db, branchId, month, branchMonthVisits(branchId, month));
}

function recomputeSalonMonth(db: Db, month: string): Promise<void> {
  return recompute(db, null, month, salonMonthVisits(month));
}

export interface Freshness {
  /** When the summaries were last brought up to date; null = never (figures are computed live). */
  refreshedAt: Date | null;
  /** Months (branch × month) changed since, waiting for the next refresh. */
  pendingMonths: number;
  /** Clients whose visits changed since, waiting for the next refresh. */
  pendingClients: number;
}

/** How fresh the summarised figures are, for the page to say so. */
export async function analyticsFreshness(db: Db): Promise<Freshness> {
  const [r] = (
    await sql<{ at: Date | null; pending: string; clients: string }>`
      SELECT (SELECT refreshed_at FROM analytics_refresh) AS at,
        (SELECT count(*) FROM analytics_dirty) AS pending,
        (SELECT count(*) FROM analytics_dirty_clients) AS clients`.execute(db)
  ).rows;
  return {
    refreshedAt: r?.at ?? null,
    pendingMonths: int(r?.pending),
    pendingClients: int(r?.clients),
  };
}
