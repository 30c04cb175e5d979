import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { AppointmentStatus } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { pointsEarned } from '../loyalty/loyalty-rules.js';
import { currentRules } from '../loyalty/rule-versions.js';
import { isUuid } from '../shared/ids.js';
import type { Db, Tx } from '../shared/transaction.js';
import { checkVisit, fail, loadMasters } from './history-checks.js';
import { feedbackPlace } from './visit-feedback.js';

/**
 * A visit that already happened (or is booked ahead), recorded in bulk: for a salon's history
 * brought in at once (the demo salon, a migration from another system). The caller picks the id
 * so that coupons and ratings can point at it.
 */
export interface HistoricalVisit {
  id: string;
  masterId: string;
  serviceId: string;
  clientId: string | null;
  startsAt: Date;
  status: AppointmentStatus;
  /** When it was booked. */
  bookedAt: Date;
  channel: 'bot' | 'panel';
  createdByStaffId: string | null;
  discountPct: number;
  /** Done visits only: what was paid. */
  amountPaid: number | null;
  pointsSpent: number;
  cancelledBy: 'client' | 'staff' | null;
  cancelledAt: Date | null;
  completedByStaffId: string | null;
  /** A coupon redeemed on a done visit, or held for a coming one. */
  couponId: string | null;
  feedback: { score: number; comment: string | null } | null;
}

/** Visits checked per statement: well under PostgreSQL's 65,535 parameters. */
const BATCH = 1_000;

/**
 * Records a salon's visit history in the caller's transaction, with the rules of the booking
 * path: each visit is a service its master performs, inside the master's hours in the branch's
 * zone; no two visits of a master that were not cancelled overlap (with the database's
 * constraint on top for coming ones); done visits carry what was paid, ratings' comments are
 * encrypted as VisitService stores them, points are earned (and spent) in the ledger under the
 * current loyalty rules, and coupons are redeemed on (or held for) their visit. One audit entry
 * per call says how many visits came in.
 */
export async function recordVisitHistory(
  tx: Tx,
  crypto: Crypto,
  visits: readonly HistoricalVisit[],
  actor: Actor,
  now: Date,
): Promise<number> {
  if (visits.length === 0) return 0;
  const plans = await loadMasters(tx, [...new Set(visits.map((v) => v.masterId))].filter(isUuid));
  const checked = visits.map((v, i) => ({
    v,
    i,
    ...checkVisit(v, i, plans.get(v.masterId), now),
  }));

  // No overlaps among the new visits, nor with the master's visits already stored.
  const occupying = checked.filter((c) => c.v.status !== 'cancelled');
  const byMaster = new Map<string, typeof occupying>();
  for (const c of occupying) {
    const list = byMaster.get(c.v.masterId) ?? [];
    list.push(c);
    byMaster.set(c.v.masterId, list);
  }
  for (const [masterId, list] of byMaster) {
    list.sort((a, b) => a.v.startsAt.getTime() - b.v.startsAt.getTime());
    const first = list[0]?.v.startsAt ?? now;
    const last = list[list.length - 1]?.blockedUntil ?? now;
    const stored = await tx
      .selectFrom('appointments')
      .select(['starts_at', 'blocked_until'])
      .where('master_id', '=', masterId)
      .where('status', '!=', 'cancelled')
      .where('starts_at', '<', last)
      .where('blocked_until', '>', first)
      .execute();
    const spans = [
      ...stored.map((s) => ({
        start: s.starts_at.getTime(),
        end: s.blocked_until.getTime(),
        i: -1,
      })),
      ...list.map((c) => ({
        start: c.v.startsAt.getTime(),
        end: c.blockedUntil.getTime(),
        i: c.i,
      })),
    ].sort((a, b) => a.start - b.start);
    for (let k = 1; k < spans.length; k++) {
      const prev = spans[k - 1];
      const cur = spans[k];
      if (prev && cur && cur.start < prev.end) fail(Math.max(cur.i, prev.i), 'startsAt', 'overlap');
    }
  }

  // Coupons: the client's own, neither used, held nor withdrawn, and one visit each.
  const couponIds = checked.flatMap((c) => (c.v.couponId ? [c.v.couponId] : []));
  if (couponIds.length > 0) {
    const coupons = new Map(
      (
        await tx
          .selectFrom('coupons')
          .select(['id', 'client_id', 'redeemed_at', 'reserved_for', 'revoked_at'])
          .where('id', 'in', couponIds.filter(isUuid))
          .execute()
      ).map((c) => [c.id, c]),
    );
    const seen = new Set<string>();
    for (const { v, i } of checked) {
      if (!v.couponId) continue;
      const coupon = coupons.get(v.couponId);
      if (
        !coupon ||
        seen.has(v.couponId) ||
        coupon.client_id !== v.clientId ||
        coupon.redeemed_at ||
        coupon.reserved_for ||
        coupon.revoked_at
      )
        fail(i, 'couponId', 'unavailable');
      seen.add(v.couponId);
    }
  }

  const { rules } = await currentRules(tx);

  for (let from = 0; from < checked.length; from += BATCH) {
    const batch = checked.slice(from, from + BATCH);
    await tx
      .insertInto('appointments')
      .values(
        batch.map(({ v, endsAt, blockedUntil, price }) => {
          const done = v.status === 'done' ? new Date(endsAt.getTime() + 5 * 60_000) : null;
          return {
            id: v.id,
            branch_id: plans.get(v.masterId)?.branchId ?? '',
            master_id: v.masterId,
            service_id: v.serviceId,
            client_id: v.clientId,
            starts_at: v.startsAt,
            ends_at: endsAt,
            blocked_until: blockedUntil,
            status: v.status,
            price,
            discount_pct: v.discountPct,
            amount_paid: v.amountPaid === null ? null : v.amountPaid.toFixed(2),
            channel: v.channel,
            created_by_staff_id: v.createdByStaffId,
            confirmed_at: v.status === 'confirmed' ? v.bookedAt : null,
            cancelled_at: v.cancelledAt,
            cancelled_by: v.cancelledBy,
            completed_at: done,
            completed_by_staff_id: v.status === 'done' ? v.completedByStaffId : null,
            coupon_id: v.couponId,
            points_spent: v.pointsSpent,
            created_at: v.bookedAt,
            updated_at: done ?? v.cancelledAt ?? v.bookedAt,
          };
        }),
      )
      .execute();
    const rated = batch.filter((c) => c.v.feedback && c.v.clientId);
    if (rated.length > 0)
      await tx
        .insertInto('visit_feedback')
        .values(
          rated.map(({ v, endsAt }) => ({
            appointment_id: v.id,
            client_id: v.clientId,
            score: v.feedback?.score ?? 5,
            comment_enc: v.feedback?.comment
              ? crypto.encryptSystem(feedbackPlace(v.id), v.feedback.comment.trim())
              : null,
            created_at: new Date(endsAt.getTime() + 2 * 3_600_000),
          })),
        )
        .execute();
    const ledger = batch.flatMap(({ v, endsAt }) => {
      if (v.status !== 'done' || v.clientId === null) return [];
      const at = new Date(endsAt.getTime() + 5 * 60_000);
      const earned = pointsEarned(v.amountPaid ?? 0, rules);
      return [
        ...(v.pointsSpent > 0
          ? [
              {
                client_id: v.clientId,
                delta: -v.pointsSpent,
                reason: 'spend' as const,
                appointment_id: v.id,
                created_at: at,
              },
            ]
          : []),
        ...(earned > 0
          ? [
              {
                client_id: v.clientId,
                delta: earned,
                reason: 'earn' as const,
                appointment_id: v.id,
                created_at: at,
              },
            ]
          : []),
      ];
    });
    if (ledger.length > 0) await tx.insertInto('points_ledger').values(ledger).execute();
    const withCoupon = batch.filter((c) => c.v.couponId !== null);
    for (const { v, i, endsAt } of withCoupon) {
      const done = v.status === 'done';
      const row = await tx
        .updateTable('coupons')
        .set(
          done
            ? { redeemed_at: new Date(endsAt.getTime() + 5 * 60_000), redeemed_on: v.id }
            : { reserved_for: v.id },
        )
        .where('id', '=', v.couponId ?? '')
        .where('client_id', '=', v.clientId ?? '')
        .where('redeemed_at', 'is', null)
        .where('reserved_for', 'is', null)
        .where('revoked_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!row) fail(i, 'couponId', 'unavailable');
    }
  }
  await recordAudit(tx, actor, {
    action: 'import-history',
    entity: 'appointment',
    entityId: null,
    details: { count: visits.length },
  });
  return visits.length;
}

/**
 * Qualifies the pending referrals whose friend has a paid, done visit, dated at that first
 * visit: what ReferralService.qualify does at each completion, for history brought in at once.
 */
export async function qualifyReferralsFromHistory(db: Db): Promise<number> {
  const result = await sql`
    UPDATE referrals r SET status = 'qualified', qualified_at = first.at
    FROM (
      SELECT client_id, min(completed_at) AS at FROM appointments
      WHERE status = 'done' AND amount_paid > 0 AND client_id IS NOT NULL
      GROUP BY client_id
    ) first
    WHERE r.referred_id = first.client_id AND r.status = 'pending'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
