import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface OutboxStats {
  byStatus: Record<'pending' | 'sent' | 'failed' | 'dead', number>;
  /** Seconds the oldest message that is due has waited (0 when nothing is due). */
  lagSeconds: number;
  sentLastHour: number;
  deadLastDay: number;
}

/** How the queue is doing, as counts only: nothing about whom or what. */
export async function outboxStats(db: Kysely<Database>, now: Date): Promise<OutboxStats> {
  const [counts, lag, recent] = await Promise.all([
    db
      .selectFrom('outbox')
      .select(['status', sql<string>`count(*)`.as('n')])
      .groupBy('status')
      .execute(),
    db
      .selectFrom('outbox')
      .select(
        sql<string | null>`extract(epoch FROM ${now}::timestamptz - min(not_before))`.as('lag'),
      )
      .where('status', '=', 'pending')
      .where('not_before', '<=', now)
      .executeTakeFirst(),
    db
      .selectFrom('outbox')
      .select([
        sql<string>`count(*) FILTER (WHERE status = 'sent' AND sent_at > ${now}::timestamptz - interval '1 hour')`.as(
          'sent',
        ),
        sql<string>`count(*) FILTER (WHERE status = 'dead' AND created_at > ${now}::timestamptz - interval '1 day')`.as(
          'dead',
        ),
      ])
      .executeTakeFirstOrThrow(),
  ]);
  const byStatus = { pending: 0, sent: 0, failed: 0, dead: 0 };
  for (const c of counts) byStatus[c.status] = Number(c.n);
  return {
    byStatus,
    lagSeconds: Math.max(0, Number(lag?.lag ?? 0)),
    sentLastHour: Number(recent.sent),
    deadLastDay: Number(recent.dead),
  };
}
