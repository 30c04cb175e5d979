import { InputFile } from 'grammy';
import { SlotTakenError } from '../../../domain/booking/booking-service.js';
import { DomainError } from '../../../domain/errors.js';
import { CouponUnavailableError } from '../../../domain/loyalty/loyalty-service.js';
import { formatWhen } from '../../../domain/visits/format-when.js';
import { visitIcs } from '../../../domain/visits/ics.js';
import { visitErrorText } from '../../errors.js';
import { mainMenu } from '../../keyboards.js';
import type { Booking } from './draft.js';
import type { PriceQuote } from './quote.js';

export type BookResult =
  | { ok: true; id: string; master: string; price: string; endsAt: number; address: string }
  | { ok: false; taken: true }
  | { ok: false; requote: true }
  | { ok: false; text: string };

/** Books (or moves) the visit; a refusal comes back as data, never as an error. */
export function bookVisit(b: Booking, offer: PriceQuote): Promise<BookResult> {
  const { draft, moving, services } = b;
  const t = b.kit.t;
  return b.kit.conversation.external(async (): Promise<BookResult> => {
    try {
      if (moving) {
        const v = await services.visits.reschedule(
          draft.clientId,
          moving.id,
          new Date(draft.startsAt),
          services.clock(),
        );
        return {
          ok: true as const,
          id: v.id,
          master: v.master,
          price: v.price,
          endsAt: v.endsAt.getTime(),
          address: v.branchAddress ?? v.branch,
        };
      }
      const booked = await services.booking.book(
        {
          clientId: draft.clientId,
          serviceId: draft.serviceId,
          masterId: draft.masterId,
          startsAt: new Date(draft.startsAt),
          channel: 'bot',
          discountPct: offer.discount,
          couponId: offer.coupon?.id ?? null,
          rulesVersion: offer.rulesVersion,
          branchId: draft.branchId,
        },
        { type: 'client', id: draft.clientId },
        services.clock(),
      );
      const visit = await services.visits.get(booked.id);
      return {
        ok: true as const,
        id: booked.id,
        master: visit?.master ?? '',
        price: booked.price,
        endsAt: booked.endsAt.getTime(),
        address: visit?.branchAddress ?? visit?.branch ?? '',
      };
    } catch (err) {
      if (err instanceof SlotTakenError) return { ok: false as const, taken: true };
      if (err instanceof CouponUnavailableError) return { ok: false as const, requote: true };
      if (err instanceof DomainError) return { ok: false as const, text: visitErrorText(t, err) };
      throw err;
    }
  });
}

/** "Booked!" with the main menu, then the visit as an .ics file. */
export async function tellBooked(
  b: Booking,
  result: Extract<BookResult, { ok: true }>,
): Promise<void> {
  const { draft, kit, moving } = b;
  const startsAt = new Date(draft.startsAt);
  await kit.ctx.reply(
    kit.t(moving ? 'book-moved' : 'book-done', {
      service: draft.serviceName,
      master: result.master,
      when: formatWhen(startsAt, draft.timeZone, b.locale),
      address: result.address,
    }),
    { reply_markup: mainMenu(kit.t) },
  );
  const stamp = new Date(await kit.conversation.external(() => b.services.clock().getTime()));
  const ics = visitIcs({
    uid: `${result.id}@clientele`,
    start: startsAt,
    end: new Date(result.endsAt),
    summary: `${draft.serviceName} — ${result.master}`,
    location: result.address,
    stamp,
  });
  await kit.ctx.replyWithDocument(new InputFile(Buffer.from(ics, 'utf8'), 'visit.ics'), {
    caption: kit.t('book-ics'),
  });
}
