import type { ActionContext } from 'adminjs';
import { CouponStateError, type LoyaltyService } from '../../../domain/loyalty/loyalty-service.js';
import { notice, recordAction } from './record-actions.js';

/** Revoking a coupon: only one not used yet; one held for a visit is released from it. */
export function couponActions(deps: { loyalty: LoyaltyService }) {
  const revoke = recordAction('Coupon', 'revoke', {
    icon: 'XCircle',
    variant: 'danger',
    guard: 'guardRevokeCoupon',
    run: async (id, actor) => {
      try {
        const done = await deps.loyalty.revokeCoupon(id, actor);
        return done.visitId && done.discountBefore !== null && done.discountAfter !== null
          ? notice('couponRevokedFromVisit', 'success', {
              before: done.discountBefore,
              after: done.discountAfter,
            })
          : notice('couponRevoked', 'success');
      } catch (err) {
        if (!(err instanceof CouponStateError)) throw err;
        return notice(
          err.state === 'redeemed' ? 'couponRedeemed' : 'couponAlreadyRevoked',
          'error',
        );
      }
    },
  });
  return {
    revoke: {
      ...revoke,
      // The button only where it can work; the server checks again whatever the page shows.
      isAccessible: (context: ActionContext) =>
        revoke.isAccessible(context) &&
        !['redeemed', 'revoked'].includes(String(context.record?.params.state ?? '')),
    },
  };
}
