import type { ActionContext } from 'adminjs';
import { CouponStateError, type LoyaltyService } from '../domain/loyalty/loyalty-service.js';
import { recordAction } from './record-actions.js';

const TEXT = {
  ru: {
    revoked: 'Купон отозван.',
    visit: (before: number, after: number) =>
      ` Он был забронирован на визит: скидка визита теперь ${after}% (была ${before}%).`,
    redeemed: 'Купон уже использован — отозвать нельзя.',
    already: 'Купон уже отозван.',
  },
  en: {
    revoked: 'The coupon is revoked.',
    visit: (before: number, after: number) =>
      ` It was held for a visit: that visit's discount is now ${after}% (was ${before}%).`,
    redeemed: 'The coupon was already used: it cannot be revoked.',
    already: 'The coupon is already revoked.',
  },
};

/** Revoking a coupon: only one not used yet; one held for a visit is released from it. */
export function couponActions(deps: { loyalty: LoyaltyService }) {
  const revoke = recordAction('Coupon', 'revoke', {
    icon: 'XCircle',
    variant: 'danger',
    guard: 'guardRevokeCoupon',
    run: async (id, actor, locale) => {
      const t = locale === 'en' ? TEXT.en : TEXT.ru;
      try {
        const done = await deps.loyalty.revokeCoupon(id, actor);
        const visit =
          done.visitId && done.discountBefore !== null && done.discountAfter !== null
            ? t.visit(done.discountBefore, done.discountAfter)
            : '';
        return { message: `${t.revoked}${visit}`, type: 'success' };
      } catch (err) {
        if (!(err instanceof CouponStateError)) throw err;
        return { message: err.state === 'redeemed' ? t.redeemed : t.already, type: 'error' };
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
