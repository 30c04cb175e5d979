import { formatAmount, formatWhen } from '../../../domain/visits/format-when.js';
import { amountDue } from '../../../domain/visits/visit-view.js';
import { callbacks } from '../../callback-data.js';
import { mainMenu } from '../../keyboards.js';
import { chooseOne } from '../kit/choose-one.js';
import type { StepOutcome } from '../kit/kit.js';
import { bookVisit, tellBooked } from './book-visit.js';
import type { Booking } from './draft.js';
import { type PriceQuote, quote } from './quote.js';
import { timeStep } from './time-step.js';

function summary(b: Booking, offer: PriceQuote): string {
  const { draft, kit, moving } = b;
  const when = formatWhen(new Date(draft.startsAt), draft.timeZone, b.locale);
  if (moving)
    return kit.t('book-move-confirm', {
      service: draft.serviceName,
      from: formatWhen(new Date(moving.startsAt), draft.timeZone, b.locale),
      when,
    });
  const head = kit.t('book-confirm', {
    service: draft.serviceName,
    master: draft.masterId
      ? draft.masterName
      : kit.t('book-any-master-chosen', { master: offer.master }),
    when,
    price: formatAmount(offer.price),
  });
  // No discount, no coupon: no "your discount: 0 %" and no "to pay" equal to the price.
  if (offer.discount <= 0 && !offer.coupon) return head;
  const discount = offer.coupon
    ? kit.t('book-discount-coupon', {
        total: offer.discount,
        code: offer.coupon.code,
        percent: offer.coupon.percent,
      })
    : kit.t('book-discount', { total: offer.discount });
  return `${head}\n${kit.t('book-confirm-discount', {
    discount,
    total: formatAmount(amountDue(offer.price, offer.discount)),
  })}`;
}

/**
 * The summary with its price, then the booking. A time taken meanwhile gives fresh times for the
 * same day, never an error; a coupon gone meanwhile gives the summary again, re-priced.
 */
export async function confirmStep(b: Booking): Promise<StepOutcome> {
  const { draft, kit, moving } = b;
  const offer = await quote(b);
  if (!offer) {
    draft.startsAt = 0;
    await kit.ctx.reply(kit.t('book-taken'));
    return 'back';
  }
  const got = await chooseOne(kit, {
    text: summary(b, offer),
    rows: [
      [
        {
          text: kit.t(moving ? 'book-move-yes' : 'book-yes'),
          data: callbacks.bookingConfirm.pack({}),
          value: true,
        },
      ],
    ],
    back: true,
  });
  if ('nav' in got) return got.nav;
  const result = await bookVisit(b, offer);
  if (result.ok) {
    await tellBooked(b, result);
    return 'next';
  }
  if ('requote' in result) return confirmStep(b);
  if ('text' in result) {
    await kit.ctx.reply(result.text, { reply_markup: mainMenu(kit.t) });
    return 'cancel';
  }
  draft.startsAt = 0;
  const step = await timeStep(b, kit.t('book-taken'));
  return step === 'next' ? confirmStep(b) : step;
}
