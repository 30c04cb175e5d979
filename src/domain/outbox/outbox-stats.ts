import { sql } from 'kysely';
import type { Db } from '../shared/transaction.js';

export interface OutboxStats {
  byStatus: Record<'pending' | 'sent' | 'failed' | 'dead', number>;
  /** Seconds the oldest message that is due has waited (0 when nothing is due). */
  lagSeconds: number;
  sentLastHour: number;
  deadLastDay: number;
}

/** Messages to the Telegram sandbox's chats are test traffic: not counted. */
const realChat = sql<boolean>`NOT EXISTS (SELECT 1 FROM sandbox_personas p WHERE p.telegram_user_id = outbox.chat_id)`;

/** How the queue is doing, as counts only: nothing about whom or what. */
export async function outboxStats(db: Db, now: Date): Promise<OutboxStats> {
  const [counts, lag, recent] = await Promise.all([
    db
      .selectFrom('outbox')
      .select(['status', sql<string>`count(*)`.as('n')])
      .where(realChat)
      .groupBy('status')
      .execute(),
    db
      .selectFrom('outbox')
      .select(
        sql<string | null>`extract(epoch FROM ${now}::timestamptz - min(not_before))`.as('lag'),
      )
      .where('status', '=', 'pending')
      .where('not_before', '<=', now)
      .where(realChat)
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
      .where(realChat)
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
