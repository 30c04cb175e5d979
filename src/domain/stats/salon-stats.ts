import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';

/** The salon in numbers: counts and sums only, never a person (what analysts see). */
export interface SalonStats {
  clients: { total: number; newLast30: number; inTelegram: number; marketing: number };
  visitsLast30: Record<'booked' | 'confirmed' | 'done' | 'cancelled' | 'no_show', number>;
  revenueLast30: number;
  averageTicketLast30: number;
  ratings: { count: number; average: number; low: number };
  referrals: { pending: number; qualified: number };
  sources: { name: string; clients: number }[];
  winback: { sent: number; cameBack: number };
  outbox: { pending: number; failed: number };
}

export async function salonStats(db: Kysely<Database>, now: Date): Promise<SalonStats> {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const q = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows;
  const [clients] = await q(sql<{ total: string; fresh: string; tg: string; mk: string }>`
    SELECT count(*) AS total,
      count(*) FILTER (WHERE created_at > ${since}) AS fresh,
      count(*) FILTER (WHERE telegram_user_id IS NOT NULL) AS tg,
      count(*) FILTER (WHERE marketing_opt_in) AS mk
    FROM clients WHERE erased_at IS NULL`);
  const visits = await q(sql<{ status: string; n: string; revenue: string | null }>`
    SELECT status, count(*) AS n, sum(amount_paid) AS revenue FROM appointments
    WHERE starts_at > ${since} AND starts_at <= ${now} GROUP BY status`);
  const [ratings] = await q(sql<{ n: string; avg: string | null; low: string }>`
    SELECT count(*) AS n, avg(score) AS avg, count(*) FILTER (WHERE score <= 2) AS low FROM visit_feedback`);
  const [referrals] = await q(sql<{ pending: string; qualified: string }>`
    SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
      count(*) FILTER (WHERE status = 'qualified') AS qualified FROM referrals`);
  const sources = await q(sql<{ name: string; n: string }>`
    WITH RECURSIVE up AS (
      SELECT id, id AS root, parent_id FROM acquisition_sources WHERE parent_id IS NULL
      UNION ALL SELECT s.id, up.root, s.parent_id FROM acquisition_sources s JOIN up ON s.parent_id = up.id)
    SELECT r.name, count(c.id) AS n FROM up
      JOIN acquisition_sources r ON r.id = up.root
      LEFT JOIN clients c ON c.source_id = up.id AND c.erased_at IS NULL
    GROUP BY r.name ORDER BY count(c.id) DESC, r.name`);
  const [winback] = await q(sql<{ sent: string; back: string }>`
    SELECT count(*) AS sent, count(*) FILTER (WHERE EXISTS (
      SELECT 1 FROM appointments a WHERE a.client_id = m.client_id
        AND a.status IN ('booked', 'confirmed', 'done')
        AND a.created_at > m.sent_at AND a.created_at <= m.sent_at + interval '60 days')) AS back
    FROM campaign_messages m WHERE m.campaign = 'winback'`);
  const [outbox] = await q(sql<{ pending: string; failed: string }>`
    SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
      count(*) FILTER (WHERE status IN ('failed', 'dead')) AS failed FROM outbox`);
  const byStatus = { booked: 0, confirmed: 0, done: 0, cancelled: 0, no_show: 0 };
  let revenue = 0;
  for (const v of visits) {
    byStatus[v.status as keyof typeof byStatus] = Number(v.n);
    if (v.status === 'done') revenue = Number(v.revenue ?? 0);
  }
  return {
    clients: {
      total: Number(clients?.total ?? 0),
      newLast30: Number(clients?.fresh ?? 0),
      inTelegram: Number(clients?.tg ?? 0),
      marketing: Number(clients?.mk ?? 0),
    },
    visitsLast30: byStatus,
    revenueLast30: revenue,
    averageTicketLast30: byStatus.done ? Math.round((revenue / byStatus.done) * 100) / 100 : 0,
    ratings: {
      count: Number(ratings?.n ?? 0),
      average: Math.round(Number(ratings?.avg ?? 0) * 100) / 100,
      low: Number(ratings?.low ?? 0),
    },
    referrals: {
      pending: Number(referrals?.pending ?? 0),
      qualified: Number(referrals?.qualified ?? 0),
    },
    sources: sources.map((s) => ({ name: s.name, clients: Number(s.n) })),
    winback: { sent: Number(winback?.sent ?? 0), cameBack: Number(winback?.back ?? 0) },
    outbox: { pending: Number(outbox?.pending ?? 0), failed: Number(outbox?.failed ?? 0) },
  };
}
