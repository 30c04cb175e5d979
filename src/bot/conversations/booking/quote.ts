import type { Booking } from './draft.js';

export interface PriceQuote {
  price: string;
  master: string;
  discount: number;
  coupon: { id: string; code: string; percent: number } | null;
  rulesVersion: number | null;
}

/**
 * The price the client will see (the chosen master's, or the first free one's for "any"), and
 * the discount: a move keeps the visit's; a booking gets the client's current one. Null when the
 * time is no longer free.
 */
export function quote(b: Booking): Promise<PriceQuote | null> {
  const { draft, moving, services } = b;
  return b.kit.conversation.external(async (): Promise<PriceQuote | null> => {
    const at = draft.startsAt;
    const offers = await services.booking.offers(
      draft.serviceId,
      draft.masterId,
      services.clock(),
      { from: new Date(at - 1), to: new Date(at + 1) },
      { branchId: draft.branchId, ...(moving ? { excludeVisit: moving.id } : {}) },
    );
    const offer = offers.find((o) => o.startsAt.getTime() === at);
    if (!offer) return null;
    if (moving)
      return {
        price: offer.price,
        master: offer.masterName,
        discount: b.discount,
        coupon: null,
        rulesVersion: null,
      };
    const q = await services.loyalty.quote(draft.clientId, draft.category, services.clock());
    return {
      price: offer.price,
      master: offer.masterName,
      discount: q.total,
      coupon: q.coupon ? { id: q.coupon.id, code: q.coupon.code, percent: q.coupon.percent } : null,
      rulesVersion: q.rulesVersion,
    };
  });
}
