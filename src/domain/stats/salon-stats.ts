import { type RawBuilder, sql } from 'kysely';
import { campaignTotals } from '../analytics/campaigns.js';
import type { Db } from '../shared/transaction.js';

/**
 * The salon in numbers: counts and sums only, never a person (what analysts see). Clients of
 * the Telegram sandbox (`clients.sandbox`), their visits and the messages to sandbox chats are
 * test data and left out everywhere.
 */
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

/** True unless the client is a sandbox persona's (a null client counts as real). */
const notSandbox = (clientId: RawBuilder<unknown>) =>
  sql`NOT EXISTS (SELECT 1 FROM clients sc WHERE sc.id = ${clientId} AND sc.sandbox)`;

export async function salonStats(db: Db, now: Date): Promise<SalonStats> {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const q = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows;
  const [clients] = await q(sql<{ total: string; fresh: string; tg: string; mk: string }>`
    SELECT count(*) AS total,
      count(*) FILTER (WHERE created_at > ${since}) AS fresh,
      count(*) FILTER (WHERE telegram_user_id IS NOT NULL) AS tg,
      count(*) FILTER (WHERE marketing_opt_in) AS mk
    FROM clients WHERE erased_at IS NULL AND NOT sandbox`);
  const visits = await q(sql<{ status: string; n: string; revenue: string | null }>`
    SELECT status, count(*) AS n, sum(amount_paid) AS revenue FROM appointments a
    WHERE starts_at > ${since} AND starts_at <= ${now} AND ${notSandbox(sql`a.client_id`)}
    GROUP BY status`);
  const [ratings] = await q(sql<{ n: string; avg: string | null; low: string }>`
    SELECT count(*) AS n, avg(score) AS avg, count(*) FILTER (WHERE score <= 2) AS low
    FROM visit_feedback f JOIN appointments a ON a.id = f.appointment_id
    WHERE ${notSandbox(sql`a.client_id`)}`);
  const [referrals] = await q(sql<{ pending: string; qualified: string }>`
    SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
      count(*) FILTER (WHERE status = 'qualified') AS qualified FROM referrals r
    WHERE ${notSandbox(sql`r.referred_id`)}`);
  const sources = await q(sql<{ name: string; n: string }>`
    WITH RECURSIVE up AS (
      SELECT id, id AS root, parent_id FROM acquisition_sources WHERE parent_id IS NULL
      UNION ALL SELECT s.id, up.root, s.parent_id FROM acquisition_sources s JOIN up ON s.parent_id = up.id)
    SELECT r.name, count(c.id) AS n FROM up
      JOIN acquisition_sources r ON r.id = up.root
      LEFT JOIN clients c ON c.source_id = up.id AND c.erased_at IS NULL AND NOT c.sandbox
    GROUP BY r.name ORDER BY count(c.id) DESC, r.name`);
  const winback = (await campaignTotals(db, now)).find((c) => c.kind === 'winback');
  const [outbox] = await q(sql<{ pending: string; failed: string }>`
    SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
      count(*) FILTER (WHERE status IN ('failed', 'dead')) AS failed FROM outbox o
    WHERE NOT EXISTS (SELECT 1 FROM sandbox_personas p WHERE p.telegram_user_id = o.chat_id)`);
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
    winback: { sent: winback?.sent ?? 0, cameBack: winback?.cameBack ?? 0 },
    outbox: { pending: Number(outbox?.pending ?? 0), failed: Number(outbox?.failed ?? 0) },
  };
}
