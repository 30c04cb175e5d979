import { sql } from 'kysely';
import type { Db } from '../shared/transaction.js';
import { combinedPercent, levelFor, referralPercent } from './loyalty-rules.js';
import { currentRules, rulesOfVersion } from './rule-versions.js';

/** Read models of loyalty: a client's standing, the quote at booking, points and coupons. */

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

/** Friends a client brought who qualified, and friends of those who did. */
export async function referralCounts(db: Db, clientId: string) {
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

/** Spend and done visits within the level window ending at `now`. */
export async function activity(db: Db, clientId: string, now: Date, windowDays: number) {
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

export async function pointsBalance(db: Db, clientId: string): Promise<number> {
  const row = await db
    .selectFrom('points_ledger')
    .select(sql<string>`coalesce(sum(delta), 0)`.as('balance'))
    .where('client_id', '=', clientId)
    .executeTakeFirstOrThrow();
  return Number(row.balance);
}

/** Coupons the client can still use at `now`, best first. */
export async function usableCoupons(db: Db, clientId: string, now: Date): Promise<CouponView[]> {
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

/** The referral percent a client has now (the referrer's notice and "My discount" use it). */
export async function referralPercentOf(db: Db, clientId: string): Promise<number> {
  const [{ rules }, counts] = await Promise.all([currentRules(db), referralCounts(db, clientId)]);
  return referralPercent(counts.qualified, counts.secondLevel, rules);
}

export async function standing(db: Db, clientId: string, now: Date): Promise<Standing> {
  const { version, rules } = await currentRules(db);
  const [counts, done, points, coupons] = await Promise.all([
    referralCounts(db, clientId),
    activity(db, clientId, now, rules.levelWindowDays),
    pointsBalance(db, clientId),
    usableCoupons(db, clientId, now),
  ]);
  const referral = referralPercent(counts.qualified, counts.secondLevel, rules);
  const { level, next } = levelFor(done.spend, done.visits, rules);
  return {
    rulesVersion: version,
    qualified: counts.qualified,
    secondLevel: counts.secondLevel,
    referral,
    level: level ? { name: level.name, percent: level.percent } : null,
    next: next ? { name: next.name, minSpend: next.minSpend, minVisits: next.minVisits } : null,
    spend: done.spend,
    visits: done.visits,
    points,
    coupons,
    base: combinedPercent({ referral, level: level?.percent ?? 0, coupon: 0 }, rules),
  };
}

/** The discount for a booking of a service in `category`: what the bot shows and records. */
export async function quote(db: Db, clientId: string, category: string, now: Date): Promise<Quote> {
  const { version, rules } = await currentRules(db);
  const [counts, done, coupons] = await Promise.all([
    referralCounts(db, clientId),
    activity(db, clientId, now, rules.levelWindowDays),
    usableCoupons(db, clientId, now),
  ]);
  const referral = referralPercent(counts.qualified, counts.secondLevel, rules);
  const { level } = levelFor(done.spend, done.visits, rules);
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

/** The discount without any coupon, under the rules a visit was booked with (or today's). */
export async function baseDiscount(
  db: Db,
  clientId: string,
  version: number | null,
  now: Date,
): Promise<number> {
  const rules = await rulesOfVersion(db, version);
  const [counts, done] = await Promise.all([
    referralCounts(db, clientId),
    activity(db, clientId, now, rules.levelWindowDays),
  ]);
  const referral = referralPercent(counts.qualified, counts.secondLevel, rules);
  const { level } = levelFor(done.spend, done.visits, rules);
  return combinedPercent({ referral, level: level?.percent ?? 0, coupon: 0 }, rules);
}
