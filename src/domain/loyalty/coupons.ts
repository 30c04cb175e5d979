import { randomInt } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { DomainError, InvalidInputError, NotFoundError } from '../errors.js';
import { salonTimeZone } from '../salon-zone.js';
import { isUuid } from '../shared/ids.js';
import { type NoticeDeps, queueNotice } from '../shared/notice.js';
import { type Db, inTransaction, type Tx } from '../shared/transaction.js';
import { baseDiscount, type CouponView } from './loyalty-queries.js';

/** Coupons: issued (by jobs or by hand), held for a booked visit, released, revoked. */

/** A coupon the client saw at booking was used or reserved meanwhile (another booking). */
export class CouponUnavailableError extends DomainError {
  override name = 'CouponUnavailableError';
  constructor() {
    super('the coupon is no longer available');
  }
}

/** A coupon already redeemed or revoked cannot be revoked (again). */
export class CouponStateError extends DomainError {
  override name = 'CouponStateError';
  constructor(readonly state: 'redeemed' | 'revoked') {
    super(`the coupon is ${state}`);
  }
}

/** What a revocation changed: the visit it was held for, and that visit's discount. */
export interface Revoked {
  visitId: string | null;
  discountBefore: number | null;
  discountAfter: number | null;
}

export interface CouponInput {
  clientId: string;
  kind: 'birthday' | 'winback' | 'manual';
  percent: number;
  validFrom: Date;
  validUntil: Date;
  categories?: string[];
}

const MAX_COUPON_DAYS = 3 * 366;
const MAX_COUPON_CATEGORIES = 20;

/** No look-alike characters: codes are read aloud at reception. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function newCouponCode(prefix: string): string {
  let body = '';
  for (let i = 0; i < 8; i++) body += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${prefix}-${body}`;
}

/** Holds a coupon for a booked visit, in the booking's transaction. */
export async function reserveCoupon(tx: Tx, couponId: string, visitId: string): Promise<void> {
  const row = await tx
    .updateTable('coupons')
    .set({ reserved_for: visitId })
    .where('id', '=', couponId)
    .where('reserved_for', 'is', null)
    .where('redeemed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new CouponUnavailableError();
}

/** A cancelled visit gives its coupon back. */
export async function releaseCoupon(tx: Tx, visitId: string): Promise<void> {
  await tx
    .updateTable('coupons')
    .set({ reserved_for: null })
    .where('reserved_for', '=', visitId)
    .where('redeemed_at', 'is', null)
    .execute();
}

/** Writes a coupon with a fresh code (drawn again on the rare collision). */
export async function issueCoupon(db: Db, input: CouponInput): Promise<CouponView> {
  if (!(input.percent > 0 && input.percent <= 100))
    throw new InvalidInputError('percent', 'invalid');
  if (!(input.validUntil > input.validFrom)) throw new InvalidInputError('validUntil', 'invalid');
  const prefix = { birthday: 'BD', winback: 'WB', manual: 'CP' }[input.kind];
  for (let attempt = 0; ; attempt++) {
    const code = newCouponCode(prefix);
    const row = await db
      .insertInto('coupons')
      .values({
        code,
        client_id: input.clientId,
        kind: input.kind,
        percent: input.percent,
        categories: input.categories ?? [],
        valid_from: input.validFrom,
        valid_until: input.validUntil,
      })
      .onConflict((oc) => oc.column('code').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row)
      return {
        id: row.id,
        code,
        kind: input.kind,
        percent: input.percent,
        categories: input.categories ?? [],
        validUntil: input.validUntil,
      };
    if (attempt > 5) throw new Error('could not make a unique coupon code');
  }
}

/**
 * A coupon the salon gives a client by hand: checked (client, percent, dates, categories of
 * existing services), told to the client and audited, in one transaction.
 */
export async function issueManualCoupon(
  db: Db,
  deps: NoticeDeps,
  input: Omit<CouponInput, 'kind' | 'categories'> & { categories: string[] },
  actor: Actor,
  now: Date,
): Promise<CouponView> {
  if (!isUuid(input.clientId)) throw new InvalidInputError('clientId', 'required');
  if (!(Number.isFinite(input.percent) && input.percent >= 1 && input.percent <= 100))
    throw new InvalidInputError('percent', 'invalid');
  if (Math.round(input.percent * 100) !== input.percent * 100)
    throw new InvalidInputError('percent', 'invalid');
  if (Number.isNaN(input.validFrom.getTime())) throw new InvalidInputError('validFrom', 'invalid');
  if (Number.isNaN(input.validUntil.getTime()) || !(input.validUntil > input.validFrom))
    throw new InvalidInputError('validUntil', 'invalid');
  if (input.validUntil <= now) throw new InvalidInputError('validUntil', 'in-past');
  if (input.validUntil.getTime() - input.validFrom.getTime() > MAX_COUPON_DAYS * 86_400_000)
    throw new InvalidInputError('validUntil', 'too-long');
  const categories = [...new Set(input.categories.map((c) => c.trim()).filter(Boolean))];
  if (categories.length > MAX_COUPON_CATEGORIES)
    throw new InvalidInputError('categories', 'too-many');
  return inTransaction(db, async (tx) => {
    if (categories.length > 0) {
      const known = await tx
        .selectFrom('services')
        .select('category')
        .distinct()
        .where('category', 'in', categories)
        .execute();
      if (known.length < categories.length) throw new InvalidInputError('categories', 'invalid');
    }
    const client = await tx
      .selectFrom('clients')
      .select(['id', 'telegram_user_id', 'blocked_bot_at', 'locale'])
      .where('id', '=', input.clientId)
      .where('erased_at', 'is', null)
      .executeTakeFirst();
    if (!client) throw new InvalidInputError('clientId', 'invalid');
    const coupon = await issueCoupon(tx, { ...input, kind: 'manual', categories });
    // The client hears of a coupon given to them personally (not marketing: it is theirs).
    if (client.telegram_user_id && !client.blocked_bot_at)
      await queueNotice(tx, deps, {
        dedupeKey: `coupon-gift:${coupon.id}`,
        kind: 'coupon-gift',
        to: { chatId: Number(client.telegram_user_id), clientId: client.id, locale: client.locale },
        key: 'coupon-gift',
        params: {
          code: coupon.code,
          percent: coupon.percent,
          categories: categories.length > 0 ? ` (${categories.join(', ')})` : '',
          until: await lastDay(tx, coupon.validUntil, client.locale),
        },
      });
    await recordAudit(tx, actor, {
      action: 'issue-coupon',
      entity: 'coupon',
      entityId: coupon.id,
      details: { percent: coupon.percent, categories },
    });
    return coupon;
  });
}

/** The last whole day a coupon is valid, as the salon's calendar (its first branch) shows it. */
async function lastDay(db: Db, validUntil: Date, locale: string): Promise<string> {
  return DateTime.fromMillis(validUntil.getTime() - 1, { zone: await salonTimeZone(db) })
    .setLocale(locale === 'en' ? 'en-GB' : 'ru')
    .toLocaleString(DateTime.DATE_SHORT);
}

/**
 * Withdraws a coupon that was not redeemed. One held for a booked visit is released from it,
 * and the visit's discount is worked out again without the coupon (never raised by this).
 */
export async function revokeCoupon(
  db: Db,
  couponId: string,
  actor: Actor,
  now: Date,
): Promise<Revoked> {
  if (!isUuid(couponId)) throw new NotFoundError('coupon');
  return inTransaction(db, async (tx) => {
    const coupon = await tx
      .selectFrom('coupons')
      .select(['id', 'client_id', 'reserved_for', 'redeemed_at', 'revoked_at'])
      .where('id', '=', couponId)
      .forUpdate()
      .executeTakeFirst();
    if (!coupon) throw new NotFoundError('coupon');
    if (coupon.redeemed_at) throw new CouponStateError('redeemed');
    if (coupon.revoked_at) throw new CouponStateError('revoked');
    const revoked: Revoked = { visitId: null, discountBefore: null, discountAfter: null };
    if (coupon.reserved_for) {
      const visit = await tx
        .selectFrom('appointments')
        .select(['id', 'client_id', 'discount_pct', 'rules_version', 'status'])
        .where('id', '=', coupon.reserved_for)
        .forUpdate()
        .executeTakeFirst();
      if (visit) {
        const before = Number(visit.discount_pct);
        const after = visit.client_id
          ? Math.min(before, await baseDiscount(tx, visit.client_id, visit.rules_version, now))
          : 0;
        await tx
          .updateTable('appointments')
          .set({ coupon_id: null, discount_pct: after, updated_at: now })
          .where('id', '=', visit.id)
          .where('coupon_id', '=', coupon.id)
          .execute();
        Object.assign(revoked, { visitId: visit.id, discountBefore: before, discountAfter: after });
      }
    }
    await tx
      .updateTable('coupons')
      .set({
        revoked_at: now,
        revoked_by: actor.type === 'staff' ? actor.id : null,
        reserved_for: null,
      })
      .where('id', '=', coupon.id)
      .execute();
    await recordAudit(tx, actor, {
      action: 'revoke-coupon',
      entity: 'coupon',
      entityId: coupon.id,
      details: { ...revoked },
    });
    return revoked;
  });
}
