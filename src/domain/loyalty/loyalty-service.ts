import type { Actor } from '../actor.js';
import type { Clock } from '../shared/clock.js';
import type { NoticeDeps } from '../shared/notice.js';
import type { Db } from '../shared/transaction.js';
import { type CouponInput, issueCoupon, issueManualCoupon, revokeCoupon } from './coupons.js';
import {
  pointsBalance,
  quote,
  referralPercentOf,
  standing,
  usableCoupons,
} from './loyalty-queries.js';
import { currentRules, rulesHistory, saveRules } from './rule-versions.js';

export { CouponStateError, CouponUnavailableError, type Revoked } from './coupons.js';
export type { CouponView, Quote, Standing } from './loyalty-queries.js';
export type { RulesVersion } from './rule-versions.js';

/**
 * Loyalty as the bot and the panel use it, over the pool: each method is one read or one use case
 * (which opens its transaction through `inTransaction`). Code already inside a transaction calls
 * the functions of rule-versions, loyalty-queries, coupons and settle-visit with its handle.
 */
export class LoyaltyService {
  constructor(
    private readonly db: Db,
    private readonly deps: NoticeDeps & { clock: Clock },
  ) {}

  rules() {
    return currentRules(this.db);
  }

  setRules(input: unknown, actor: Actor) {
    return saveRules(this.db, input, actor);
  }

  rulesHistory(limit?: number) {
    return rulesHistory(this.db, limit);
  }

  referralPercentOf(clientId: string) {
    return referralPercentOf(this.db, clientId);
  }

  pointsBalance(clientId: string) {
    return pointsBalance(this.db, clientId);
  }

  coupons(clientId: string, now = this.deps.clock()) {
    return usableCoupons(this.db, clientId, now);
  }

  standing(clientId: string, now = this.deps.clock()) {
    return standing(this.db, clientId, now);
  }

  quote(clientId: string, category: string, now = this.deps.clock()) {
    return quote(this.db, clientId, category, now);
  }

  /** A coupon written as it is, in the caller's transaction (greetings issue them in bulk). */
  issueCoupon(db: Db, input: CouponInput) {
    return issueCoupon(db, input);
  }

  issueManualCoupon(
    input: Parameters<typeof issueManualCoupon>[2],
    actor: Actor,
    now = this.deps.clock(),
  ) {
    return issueManualCoupon(this.db, this.deps, input, actor, now);
  }

  revokeCoupon(couponId: string, actor: Actor, now = this.deps.clock()) {
    return revokeCoupon(this.db, couponId, actor, now);
  }
}
