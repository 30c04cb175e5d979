import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { adoptHomeBranch } from '../clients/home-branch.js';
import { DomainError, InvalidInputError, NotFoundError } from '../errors.js';
import { reserveCoupon } from '../loyalty/coupons.js';
import type { NoticeDeps } from '../shared/notice.js';
import { type Db, inTransaction, type Tx } from '../shared/transaction.js';
import { noticeToMaster } from '../visits/visit-notices.js';
import { loadVisit } from '../visits/visit-view.js';
import { findOffers, type Offer } from './offers.js';

/** The chosen time was taken by someone else a moment ago (the exclusion constraint said so). */
export class SlotTakenError extends DomainError {
  override name = 'SlotTakenError';
  constructor() {
    super('this time was just taken');
  }
}

export interface BookingInput {
  clientId: string | null;
  serviceId: string;
  /** null: any master who performs the service and is free then. */
  masterId: string | null;
  startsAt: Date;
  channel: 'bot' | 'panel';
  createdByStaffId?: string | null;
  discountPct?: number;
  /** The coupon shown at confirmation, held for this visit and redeemed at completion. */
  couponId?: string | null;
  /** The loyalty rules the discount was computed under. */
  rulesVersion?: number | null;
  /** Limits "any master" to one branch. */
  branchId?: string;
}

export interface Booked {
  id: string;
  masterId: string;
  startsAt: Date;
  endsAt: Date;
  price: string;
  timeZone: string;
}

/**
 * Books a visit. The time must be one the schedules offer; the exclusion constraint decides
 * races (the next free master is tried for "any master"), and a lost race is a SlotTakenError
 * the caller answers with fresh times. Each attempt is one transaction: the visit, its coupon
 * held, the audit entry and the master's notice. Joined to a caller's transaction, a lost race
 * aborts that transaction, so the first conflict is final there: a SlotTakenError.
 */
export async function bookVisit(
  db: Db,
  deps: NoticeDeps,
  input: BookingInput,
  actor: Actor,
  now: Date,
): Promise<Booked> {
  const discount = input.discountPct ?? 0;
  if (!(discount >= 0 && discount <= 100)) throw new InvalidInputError('discountPct', 'invalid');
  const day = {
    from: new Date(input.startsAt.getTime() - 1),
    to: new Date(input.startsAt.getTime() + 1),
  };
  const candidates = (
    await findOffers(db, input.serviceId, input.masterId, now, day, {
      leadTime: input.channel === 'bot',
      ...(input.branchId ? { branchId: input.branchId } : {}),
    })
  ).filter((o) => o.startsAt.getTime() === input.startsAt.getTime());
  if (candidates.length === 0) {
    const exists = await db
      .selectFrom('services')
      .select('id')
      .where('id', '=', input.serviceId)
      .executeTakeFirst();
    if (!exists) throw new NotFoundError('service');
    throw new SlotTakenError();
  }
  for (const offer of candidates) {
    try {
      return await inTransaction(db, (tx) => insertVisit(tx, deps, offer, input, actor, now));
    } catch (err) {
      if ((err as { code?: string }).code !== '23P01') throw err;
      if (db.isTransaction) break;
    }
  }
  throw new SlotTakenError();
}

async function insertVisit(
  tx: Tx,
  deps: NoticeDeps,
  offer: Offer,
  input: BookingInput,
  actor: Actor,
  now: Date,
): Promise<Booked> {
  const endsAt = new Date(offer.startsAt.getTime() + offer.durationMin * 60_000);
  const row = await tx
    .insertInto('appointments')
    .values({
      branch_id: offer.branchId,
      master_id: offer.masterId,
      service_id: offer.serviceId,
      client_id: input.clientId,
      starts_at: offer.startsAt,
      ends_at: endsAt,
      blocked_until: new Date(endsAt.getTime() + offer.bufferMin * 60_000),
      price: offer.price,
      discount_pct: input.discountPct ?? 0,
      channel: input.channel,
      created_by_staff_id: input.createdByStaffId ?? null,
      coupon_id: input.couponId ?? null,
      rules_version: input.rulesVersion ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.couponId) await reserveCoupon(tx, input.couponId, row.id);
  const homeBranchSet = input.clientId
    ? await adoptHomeBranch(tx, input.clientId, offer.branchId)
    : false;
  await recordAudit(tx, actor, {
    action: 'book',
    entity: 'appointment',
    entityId: row.id,
    details: { channel: input.channel, ...(homeBranchSet ? { homeBranchSet: true } : {}) },
  });
  const visit = await loadVisit(tx, row.id);
  if (visit) await noticeToMaster(tx, deps, visit, 'new');
  return {
    id: row.id,
    masterId: offer.masterId,
    startsAt: offer.startsAt,
    endsAt,
    price: offer.price,
    timeZone: offer.timeZone,
  };
}
