import { type NoticeDeps, queueNotice } from '../shared/notice.js';
import type { Tx } from '../shared/transaction.js';
import { activity } from './loyalty-queries.js';
import { levelFor, pointsEarned } from './loyalty-rules.js';
import { currentRules } from './rule-versions.js';

/**
 * A completed visit's loyalty, in the completion's transaction (the visit is already marked
 * done): its reserved coupon redeemed, points spent and earned, and a level reached told to the
 * client.
 */
export async function settleVisit(
  tx: Tx,
  deps: NoticeDeps,
  visit: { id: string; clientId: string | null },
  paid: number,
  pointsSpent: number,
  now: Date,
): Promise<{ earned: number }> {
  await tx
    .updateTable('coupons')
    .set({ redeemed_at: now, redeemed_on: visit.id })
    .where('reserved_for', '=', visit.id)
    .where('redeemed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  if (!visit.clientId) return { earned: 0 };
  const { rules } = await currentRules(tx);
  if (pointsSpent > 0)
    await tx
      .insertInto('points_ledger')
      .values({
        client_id: visit.clientId,
        delta: -pointsSpent,
        reason: 'spend',
        appointment_id: visit.id,
      })
      .execute();
  const earned = pointsEarned(paid, rules);
  if (earned > 0)
    await tx
      .insertInto('points_ledger')
      .values({
        client_id: visit.clientId,
        delta: earned,
        reason: 'earn',
        appointment_id: visit.id,
      })
      .execute();
  // The level before this visit and after it.
  const after = await activity(tx, visit.clientId, now, rules.levelWindowDays);
  const was = levelFor(after.spend - paid, after.visits - 1, rules).level;
  const is = levelFor(after.spend, after.visits, rules).level;
  if (is && is.name !== was?.name && is.percent > (was?.percent ?? 0)) {
    const client = await tx
      .selectFrom('clients')
      .select(['telegram_user_id', 'locale'])
      .where('id', '=', visit.clientId)
      .where('erased_at', 'is', null)
      .where('blocked_bot_at', 'is', null)
      .executeTakeFirst();
    if (client?.telegram_user_id)
      await queueNotice(tx, deps, {
        dedupeKey: `level-up:${visit.clientId}:${visit.id}`,
        kind: 'level-up',
        to: {
          chatId: Number(client.telegram_user_id),
          clientId: visit.clientId,
          locale: client.locale,
        },
        key: 'level-up',
        params: { level: is.name, percent: is.percent },
      });
  }
  return { earned };
}
