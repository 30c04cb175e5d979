import { sql } from 'kysely';
import type { Actor } from '../actor.js';
import { InvalidInputError } from '../errors.js';
import { pointsBalance } from '../loyalty/loyalty-queries.js';
import { maxPointsSpend } from '../loyalty/loyalty-rules.js';
import { currentRules } from '../loyalty/rule-versions.js';
import { settleVisit } from '../loyalty/settle-visit.js';
import { qualifyReferral } from '../referrals/referral-service.js';
import { type NoticeDeps, queueNotice } from '../shared/notice.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import { closeVisit } from './visit-commands.js';
import { clientRecipient, ratingAsk } from './visit-notices.js';
import { expectedAmount, mustFindVisit } from './visit-queries.js';
import { assertStarted, MAX_AMOUNT } from './visit-rules.js';
import type { VisitView } from './visit-view.js';

export interface CompleteInput {
  /** What was paid; the amount due less the points when left out. */
  amount?: number | undefined;
  /** Points put towards the visit. */
  points?: number | undefined;
}

export interface Completed {
  visit: VisitView;
  amountPaid: string;
  pointsSpent: number;
  pointsEarned: number;
}

/**
 * Marks a visit done with the amount paid, in ONE transaction with everything it causes: the
 * held coupon redeemed, points spent and earned, the level reached told to the client, the
 * client's pending referral qualified (on a paid visit) and its referrer told, and the client
 * asked for a rating. A failure anywhere leaves the visit open and nothing else written.
 */
export async function completeVisit(
  db: Db,
  deps: NoticeDeps,
  visitId: string,
  input: CompleteInput,
  actor: Actor,
  now: Date,
): Promise<Completed> {
  const visit = await mustFindVisit(db, visitId);
  assertStarted(visit, now);
  const points = input.points ?? 0;
  if (!Number.isInteger(points) || points < 0) throw new InvalidInputError('points', 'invalid');
  if (points > 0 && !visit.clientId) throw new InvalidInputError('points', 'too-many');
  const due = Number(expectedAmount(visit));
  const amount = input.amount ?? Math.max(0, due - points);
  if (!Number.isFinite(amount) || amount < 0 || amount > MAX_AMOUNT)
    throw new InvalidInputError('amount', 'invalid');
  const paid = (Math.round(amount * 100) / 100).toFixed(2);
  return inTransaction(db, async (tx) => {
    if (visit.clientId) {
      // One completion at a time per client: points are spent from one balance.
      await tx
        .selectFrom('clients')
        .select('id')
        .where('id', '=', visit.clientId)
        .forUpdate()
        .execute();
    }
    if (points > 0 && visit.clientId) {
      const [{ rules }, balance] = await Promise.all([
        currentRules(tx),
        pointsBalance(tx, visit.clientId),
      ]);
      if (points > maxPointsSpend(due, balance, rules))
        throw new InvalidInputError('points', 'too-many');
    }
    await closeVisit(
      tx,
      visit,
      {
        status: 'done',
        amount_paid: paid,
        points_spent: points,
        completed_at: sql<Date>`now()`,
        completed_by_staff_id: actor.type === 'staff' ? actor.id : null,
      },
      actor,
      { action: 'complete', details: { corrected: input.amount !== undefined, points } },
    );
    const { earned } = await settleVisit(tx, deps, visit, Number(paid), points, now);
    // A referral qualifies once, on the friend's first paid visit.
    if (visit.clientId && Number(paid) > 0) await qualifyReferral(tx, deps, visit.clientId);
    const completed = { ...visit, status: 'done' as const, amountPaid: paid };
    const client = await clientRecipient(tx, visit.clientId);
    if (client) await queueNotice(tx, deps, ratingAsk(completed, client));
    return { visit: completed, amountPaid: paid, pointsSpent: points, pointsEarned: earned };
  });
}
