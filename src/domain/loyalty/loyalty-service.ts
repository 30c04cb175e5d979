import { randomInt } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import { DateTime } from 'luxon';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { isUuid } from '../clients/client-service.js';
import { DomainError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Translate } from '../messages/translate.js';
import { enqueueMessage } from '../outbox/outbox.js';
import { salonTimeZone } from '../salon-zone.js';
import {
  combinedPercent,
  DEFAULT_RULES,
  type LoyaltyRules,
  levelFor,
  pointsEarned,
  referralPercent,
  rulesSchema,
} from './loyalty-rules.js';

type Db = Kysely<Database> | Transaction<Database>;

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

/** One saved version of the rules: who saved it and when (no rules body). */
export interface RulesVersion {
  version: number;
  by: string | null;
  at: Date;
}

/** What a revocation changed: the visit it was held for, and that visit's discount. */
export interface Revoked {
  visitId: string | null;
  discountBefore: number | null;
  discountAfter: number | null;
}

const MAX_COUPON_DAYS = 3 * 366;
const MAX_COUPON_CATEGORIES = 20;

export interface CouponView {
  id: string;
  code: string;
  kind: 'birthday' | 'winback' | 'manual';
  percent: number;
  categories: string[];
  validUntil: Date;
}

/** What a client's discount is made of right now; the bot shows it, booking records it. */
export interface Quote {
  rulesVersion: number;
  referral: number;
  level: number;
  levelName: string | null;
  coupon: CouponView | null;
  total: number;
}

export interface Standing {
  rulesVersion: number;
  qualified: number;
  secondLevel: number;
  referral: number;
  level: { name: string; percent: number } | null;
  next: { name: string; minSpend: number; minVisits: number } | null;
  spend: number;
  visits: number;
  points: number;
  coupons: CouponView[];
  /** The discount without a coupon. */
  base: number;
}

/** No look-alike characters: codes are read aloud at reception. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function newCouponCode(prefix: string): string {
  let body = '';
  for (let i = 0; i < 8; i++) body += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${prefix}-${body}`;
}

/**
 * The loyalty engine over the pure rules: the current rule version, a client's standing and
 * quote, coupons, and settling a completed visit (coupon redeemed, points spent and earned, a
 * level change told to the client).
 */
export class LoyaltyService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly crypto: Crypto,
    private readonly translate: Translate,
  ) {}

  async rules(db: Db = this.db): Promise<{ version: number; rules: LoyaltyRules }> {
    const row = await db
      .selectFrom('loyalty_rules')
      .select(['version', 'rules'])
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return { version: 0, rules: DEFAULT_RULES };
    const parsed = rulesSchema.safeParse(row.rules);
    return { version: row.version, rules: parsed.success ? parsed.data : DEFAULT_RULES };
  }

  /** Saves edited rules as a new version; the old versions stay for visits booked under them. */
  async setRules(input: unknown, actor: Actor): Promise<number> {
    const parsed = rulesSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidInputError(
        issue?.path.join('.') || 'rules',
        issue?.message.startsWith('duplicate-') ? 'duplicate' : 'invalid',
      );
    }
    const { version } = await this.rules();
    await this.db
      .insertInto('loyalty_rules')
      .values({
        version: version + 1,
        rules: JSON.stringify(parsed.data),
        created_by: actor.type === 'staff' ? actor.id : null,
      })
      .execute();
    await recordAudit(this.db, actor, {
      action: 'set-rules',
      entity: 'loyalty_rules',
      entityId: null,
      details: { version: version + 1 },
    });
    return version + 1;
  }

  /** The referral percent a client has now (the referrer's notice and "My discount" use it). */
  async referralPercentOf(clientId: string, db: Db = this.db): Promise<number> {
    const [{ rules }, counts] = await Promise.all([
      this.rules(db),
      this.referralCounts(clientId, db),
    ]);
    return referralPercent(counts.qualified, counts.secondLevel, rules);
  }

  private async referralCounts(clientId: string, db: Db) {
    const row = await sql<{ qualified: string; second: string }>`
      SELECT
        (SELECT count(*) FROM referrals WHERE referrer_id = ${clientId} AND status = 'qualified') AS qualified,
        (SELECT count(*) FROM referrals r1 JOIN referrals r2 ON r2.referrer_id = r1.referred_id
          WHERE r1.referrer_id = ${clientId} AND r1.status = 'qualified' AND r2.status = 'qualified') AS second`.execute(
      db,
    );
    return {
      qualified: Number(row.rows[0]?.qualified ?? 0),
      secondLevel: Number(row.rows[0]?.second ?? 0),
    };
  }

  private async activity(clientId: string, now: Date, windowDays: number, db: Db) {
    const row = await db
      .selectFrom('appointments')
      .select([
        sql<string>`coalesce(sum(amount_paid), 0)`.as('spend'),
        sql<string>`count(*)`.as('visits'),
      ])
      .where('client_id', '=', clientId)
      .where('status', '=', 'done')
      .where('starts_at', '>', new Date(now.getTime() - windowDays * 86_400_000))
      .where('starts_at', '<=', now)
      .executeTakeFirstOrThrow();
    return { spend: Number(row.spend), visits: Number(row.visits) };
  }

  async pointsBalance(clientId: string, db: Db = this.db): Promise<number> {
    const row = await db
      .selectFrom('points_ledger')
      .select(sql<string>`coalesce(sum(delta), 0)`.as('balance'))
      .where('client_id', '=', clientId)
      .executeTakeFirstOrThrow();
    return Number(row.balance);
  }

  /** Coupons the client can still use at `now`, best first. */
  async coupons(clientId: string, now: Date, db: Db = this.db): Promise<CouponView[]> {
    const rows = await db
      .selectFrom('coupons')
      .select(['id', 'code', 'kind', 'percent', 'categories', 'valid_until'])
      .where('client_id', '=', clientId)
      .where('redeemed_at', 'is', null)
      .where('reserved_for', 'is', null)
      .where('revoked_at', 'is', null)
      .where('valid_from', '<=', now)
      .where('valid_until', '>', now)
      .orderBy('percent', 'desc')
      .orderBy('valid_until', 'asc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      code: r.code,
      kind: r.kind,
      percent: Number(r.percent),
      categories: r.categories,
      validUntil: r.valid_until,
    }));
  }

  async standing(clientId: string, now: Date): Promise<Standing> {
    const { version, rules } = await this.rules();
    const [counts, activity, points, coupons] = await Promise.all([
      this.referralCounts(clientId, this.db),
      this.activity(clientId, now, rules.levelWindowDays, this.db),
      this.pointsBalance(clientId),
      this.coupons(clientId, now),
    ]);
    const referral = referralPercent(counts.qualified, counts.secondLevel, rules);
    const { level, next } = levelFor(activity.spend, activity.visits, rules);
    return {
      rulesVersion: version,
      qualified: counts.qualified,
      secondLevel: counts.secondLevel,
      referral,
      level: level ? { name: level.name, percent: level.percent } : null,
      next: next ? { name: next.name, minSpend: next.minSpend, minVisits: next.minVisits } : null,
      spend: activity.spend,
      visits: activity.visits,
      points,
      coupons,
      base: combinedPercent({ referral, level: level?.percent ?? 0, coupon: 0 }, rules),
    };
  }

  /** The discount for a booking of a service in `category`: what the bot shows and records. */
  async quote(clientId: string, category: string, now: Date): Promise<Quote> {
    const { version, rules } = await this.rules();
    const [counts, activity, coupons] = await Promise.all([
      this.referralCounts(clientId, this.db),
      this.activity(clientId, now, rules.levelWindowDays, this.db),
      this.coupons(clientId, now),
    ]);
    const referral = referralPercent(counts.qualified, counts.secondLevel, rules);
    const { level } = levelFor(activity.spend, activity.visits, rules);
    const coupon =
      coupons.find((c) => c.categories.length === 0 || c.categories.includes(category)) ?? null;
    return {
      rulesVersion: version,
      referral,
      level: level?.percent ?? 0,
      levelName: level?.name ?? null,
      coupon,
      total: combinedPercent(
        { referral, level: level?.percent ?? 0, coupon: coupon?.percent ?? 0 },
        rules,
      ),
    };
  }

  /** Holds a coupon for a booked visit, in the booking's transaction. */
  async reserveCoupon(tx: Transaction<Database>, couponId: string, visitId: string): Promise<void> {
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
  async releaseCoupon(tx: Transaction<Database>, visitId: string): Promise<void> {
    await tx
      .updateTable('coupons')
      .set({ reserved_for: null })
      .where('reserved_for', '=', visitId)
      .where('redeemed_at', 'is', null)
      .execute();
  }

  async issueCoupon(
    db: Db,
    input: {
      clientId: string;
      kind: 'birthday' | 'winback' | 'manual';
      percent: number;
      validFrom: Date;
      validUntil: Date;
      categories?: string[];
    },
  ): Promise<CouponView> {
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

  /** The saved versions of the rules, newest first, with the staff member who saved each. */
  async rulesHistory(limit = 50): Promise<RulesVersion[]> {
    const rows = await this.db
      .selectFrom('loyalty_rules as r')
      .leftJoin('staff_users as s', 's.id', 'r.created_by')
      .select(['r.version', 'r.created_at', 's.display_name'])
      .orderBy('r.version', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ version: r.version, by: r.display_name, at: r.created_at }));
  }

  /**
   * A coupon the salon gives a client by hand: checked (client, percent, dates, categories of
   * existing services) and audited.
   */
  async issueManualCoupon(
    input: {
      clientId: string;
      percent: number;
      validFrom: Date;
      validUntil: Date;
      categories: string[];
    },
    actor: Actor,
    now = new Date(),
  ): Promise<CouponView> {
    if (!isUuid(input.clientId)) throw new InvalidInputError('clientId', 'required');
    if (!(Number.isFinite(input.percent) && input.percent >= 1 && input.percent <= 100))
      throw new InvalidInputError('percent', 'invalid');
    if (Math.round(input.percent * 100) !== input.percent * 100)
      throw new InvalidInputError('percent', 'invalid');
    if (Number.isNaN(input.validFrom.getTime()))
      throw new InvalidInputError('validFrom', 'invalid');
    if (Number.isNaN(input.validUntil.getTime()) || !(input.validUntil > input.validFrom))
      throw new InvalidInputError('validUntil', 'invalid');
    if (input.validUntil <= now) throw new InvalidInputError('validUntil', 'in_past');
    if (input.validUntil.getTime() - input.validFrom.getTime() > MAX_COUPON_DAYS * 86_400_000)
      throw new InvalidInputError('validUntil', 'too_long');
    const categories = [...new Set(input.categories.map((c) => c.trim()).filter(Boolean))];
    if (categories.length > MAX_COUPON_CATEGORIES)
      throw new InvalidInputError('categories', 'too_many');
    if (categories.length > 0) {
      const known = await this.db
        .selectFrom('services')
        .select('category')
        .distinct()
        .where('category', 'in', categories)
        .execute();
      if (known.length < categories.length) throw new InvalidInputError('categories', 'invalid');
    }
    return this.db.transaction().execute(async (tx) => {
      const client = await tx
        .selectFrom('clients')
        .select(['id', 'telegram_user_id', 'blocked_bot_at', 'locale'])
        .where('id', '=', input.clientId)
        .where('erased_at', 'is', null)
        .executeTakeFirst();
      if (!client) throw new InvalidInputError('clientId', 'invalid');
      const coupon = await this.issueCoupon(tx, { ...input, kind: 'manual', categories });
      // The client hears of a coupon given to them personally (not marketing: it is theirs).
      if (client.telegram_user_id && !client.blocked_bot_at)
        await enqueueMessage(tx, this.crypto, {
          dedupeKey: `coupon-gift:${coupon.id}`,
          chatId: Number(client.telegram_user_id),
          clientId: client.id,
          kind: 'coupon-gift',
          message: {
            text: this.translate(client.locale, 'coupon-gift', {
              code: coupon.code,
              percent: coupon.percent,
              categories: categories.length > 0 ? ` (${categories.join(', ')})` : '',
              until: await this.lastDay(tx, coupon.validUntil, client.locale),
            }),
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
  private async lastDay(db: Db, validUntil: Date, locale: string): Promise<string> {
    return DateTime.fromMillis(validUntil.getTime() - 1, { zone: await salonTimeZone(db) })
      .setLocale(locale === 'en' ? 'en-GB' : 'ru')
      .toLocaleString(DateTime.DATE_SHORT);
  }

  /**
   * Withdraws a coupon that was not redeemed. One held for a booked visit is released from it,
   * and the visit's discount is worked out again without the coupon (never raised by this).
   */
  async revokeCoupon(couponId: string, actor: Actor, now = new Date()): Promise<Revoked> {
    if (!isUuid(couponId)) throw new NotFoundError('coupon');
    return this.db.transaction().execute(async (tx) => {
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
            ? Math.min(
                before,
                await this.baseDiscount(tx, visit.client_id, visit.rules_version, now),
              )
            : 0;
          await tx
            .updateTable('appointments')
            .set({ coupon_id: null, discount_pct: after, updated_at: now })
            .where('id', '=', visit.id)
            .where('coupon_id', '=', coupon.id)
            .execute();
          Object.assign(revoked, {
            visitId: visit.id,
            discountBefore: before,
            discountAfter: after,
          });
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

  /** The discount without any coupon, under the rules a visit was booked with (or today's). */
  private async baseDiscount(
    db: Db,
    clientId: string,
    version: number | null,
    now: Date,
  ): Promise<number> {
    const saved =
      version === null
        ? undefined
        : await db
            .selectFrom('loyalty_rules')
            .select('rules')
            .where('version', '=', version)
            .executeTakeFirst();
    const parsed = saved ? rulesSchema.safeParse(saved.rules) : null;
    const rules = parsed?.success ? parsed.data : (await this.rules(db)).rules;
    const [counts, activity] = await Promise.all([
      this.referralCounts(clientId, db),
      this.activity(clientId, now, rules.levelWindowDays, db),
    ]);
    const referral = referralPercent(counts.qualified, counts.secondLevel, rules);
    const { level } = levelFor(activity.spend, activity.visits, rules);
    return combinedPercent({ referral, level: level?.percent ?? 0, coupon: 0 }, rules);
  }

  /**
   * At completion, in its transaction: the reserved coupon is redeemed, points spent and earned,
   * and a level change is told to the client.
   */
  async settle(
    tx: Transaction<Database>,
    visit: { id: string; clientId: string | null; startsAt: Date },
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
    const { rules } = await this.rules(tx);
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
    // The level before this visit and after it (the visit is already marked done).
    const after = await this.activity(visit.clientId, now, rules.levelWindowDays, tx);
    const before = { spend: after.spend - paid, visits: after.visits - 1 };
    const was = levelFor(before.spend, before.visits, rules).level;
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
        await enqueueMessage(tx, this.crypto, {
          dedupeKey: `level-up:${visit.clientId}:${visit.id}`,
          chatId: Number(client.telegram_user_id),
          clientId: visit.clientId,
          kind: 'level-up',
          message: {
            text: this.translate(client.locale, 'level-up', {
              level: is.name,
              percent: is.percent,
            }),
          },
        });
    }
    return { earned };
  }
}
