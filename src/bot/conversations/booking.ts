import type { Conversation } from '@grammyjs/conversations';
import { InlineKeyboard, InputFile } from 'grammy';
import { DateTime } from 'luxon';
import { type Catalogue, SlotTakenError } from '../../domain/booking/booking-service.js';
import { DomainError } from '../../domain/errors.js';
import { CouponUnavailableError } from '../../domain/loyalty/loyalty-service.js';
import { formatAmount, formatWhen } from '../../domain/visits/format-when.js';
import { visitIcs } from '../../domain/visits/ics.js';
import { amountDue } from '../../domain/visits/visit-view.js';
import type { BotContext, BotServices, ConversationContext } from '../context.js';
import { visitErrorText } from '../errors.js';
import { MENU_KEYS, mainMenu } from '../keyboards.js';

export const BOOKING = 'booking';

/** A new booking, or moving the client's visit `visitId` to another time. */
export interface BookingStart {
  visitId: string | null;
}

type Conv = Conversation<BotContext, ConversationContext>;
type Step = 'next' | 'back' | 'cancel' | 'skip';

const DAYS_PER_PAGE = 12;

/** Plain, serialisable facts the conversation keeps between steps (replayed from storage). */
interface Draft {
  clientId: string;
  branchId: string;
  timeZone: string;
  category: string;
  serviceId: string;
  serviceName: string;
  /** null: any master. */
  masterId: string | null;
  masterName: string;
  day: string;
  startsAt: number;
}

type Setup =
  | { error: 'menu-register-first' }
  | { errorText: string }
  | {
      clientId: string;
      catalogue: Catalogue;
      discount: number;
      moving: {
        id: string;
        serviceId: string;
        service: string;
        masterId: string;
        master: string;
        branchId: string;
        timeZone: string;
        startsAt: number;
      } | null;
    };

interface PriceQuote {
  price: string;
  master: string;
  discount: number;
  coupon: { id: string; code: string; percent: number } | null;
  rulesVersion: number | null;
}

type BookResult =
  | { ok: true; id: string; master: string; price: string; endsAt: number; address: string }
  | { ok: false; taken: true }
  | { ok: false; requote: true }
  | { ok: false; text: string };

/**
 * Branch → category → service → master or any → a calendar of days with free time → time →
 * confirmation → booked, with an .ics file. Moving a visit starts at the calendar with its
 * service and master. Back and Cancel everywhere; a time taken meanwhile gives fresh times.
 */
export function bookingConversation(services: BotServices) {
  return async function booking(conversation: Conv, ctx: ConversationContext, start: BookingStart) {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    const t = ctx.t.bind(ctx);
    const locale = await ctx.i18n.getLocale();
    const now = () => conversation.external(() => services.clock().getTime());

    const setup = await conversation.external(async (): Promise<Setup> => {
      const client = await services.clients.identityOfTelegramUser(userId);
      if (!client) return { error: 'menu-register-first' as const };
      const catalogue = await services.booking.catalogue();
      if (!start.visitId) return { clientId: client.id, catalogue, discount: 0, moving: null };
      try {
        const visit = await services.visits.ofClient(client.id, start.visitId);
        await services.visits.checkChangeable(visit, services.clock());
        return {
          clientId: client.id,
          catalogue,
          discount: visit.discountPct,
          moving: {
            id: visit.id,
            serviceId: visit.serviceId,
            service: visit.service,
            masterId: visit.masterId,
            master: visit.master,
            branchId: visit.branchId,
            timeZone: visit.timeZone,
            startsAt: visit.startsAt.getTime(),
          },
        };
      } catch (err) {
        if (err instanceof DomainError) return { errorText: visitErrorText(t, err) };
        throw err;
      }
    });
    if ('error' in setup) {
      await ctx.reply(t(setup.error));
      return;
    }
    if ('errorText' in setup) {
      await ctx.reply(setup.errorText);
      return;
    }
    const { catalogue, moving } = setup;
    if (!moving && catalogue.services.length === 0) {
      await ctx.reply(t('book-nothing'));
      return;
    }
    const draft: Draft = {
      clientId: setup.clientId,
      branchId: moving?.branchId ?? '',
      timeZone: moving?.timeZone ?? '',
      category: '',
      serviceId: moving?.serviceId ?? '',
      serviceName: moving?.service ?? '',
      masterId: moving?.masterId ?? null,
      masterName: moving?.master ?? '',
      day: '',
      startsAt: 0,
    };
    const menuLabels = new Set(MENU_KEYS.map((k) => t(k)));

    /**
     * Shows a choice and waits for one of its own buttons, Back or Cancel. Any other button (an
     * older message's, or forged data) is answered as out of date; typing asks for the buttons.
     */
    const choose = async (
      text: string,
      keyboard: InlineKeyboard,
      prefix: string,
      withBack = true,
    ): Promise<{ step: Step } | { value: string; update: ConversationContext }> => {
      keyboard.row();
      if (withBack) keyboard.text(t('book-back'), 'bk:back');
      keyboard.text(t('book-cancel'), 'bk:cancel');
      const offered = new Set(
        keyboard.inline_keyboard
          .flat()
          .flatMap((b) => ('callback_data' in b ? [b.callback_data] : [])),
      );
      await ctx.reply(text, { reply_markup: keyboard });
      for (;;) {
        const update = await conversation.wait();
        const data = update.callbackQuery?.data;
        const typed = update.message?.text;
        if (data === 'bk:back' || data === 'bk:cancel') {
          await update.answerCallbackQuery();
          return { step: data === 'bk:back' ? 'back' : 'cancel' };
        }
        if (typed === '/cancel') return { step: 'cancel' };
        // A command or a main-menu button leaves the booking and is handled as usual.
        if (typed !== undefined && (typed.startsWith('/') || menuLabels.has(typed)))
          await conversation.halt({ next: true });
        if (data !== undefined && offered.has(data) && data.startsWith(prefix)) {
          await update.answerCallbackQuery();
          return { value: data.slice(prefix.length), update };
        }
        if (data !== undefined) await update.answerCallbackQuery({ text: t('stale-button') });
        else await update.reply(t('book-use-buttons'));
      }
    };

    const branches = catalogue.branches;
    const servicesIn = () => catalogue.services.filter((s) => s.branchIds.includes(draft.branchId));
    const categories = () => [...new Set(servicesIn().map((s) => s.category))];

    const pickBranch = async (): Promise<Step> => {
      if (branches.length === 1) {
        draft.branchId = branches[0]?.id ?? '';
        draft.timeZone = branches[0]?.timeZone ?? '';
        return 'skip';
      }
      const kb = new InlineKeyboard();
      for (const [i, b] of branches.entries()) kb.text(b.name, `bk:b:${i}`).row();
      const got = await choose(t('book-branch'), kb, 'bk:b:', false);
      if ('step' in got) return got.step;
      const branch = branches[Number(got.value)];
      if (!branch) return 'back';
      draft.branchId = branch.id;
      draft.timeZone = branch.timeZone;
      return 'next';
    };

    const pickCategory = async (): Promise<Step> => {
      const list = categories();
      if (list.length <= 1) {
        draft.category = list[0] ?? '';
        return 'skip';
      }
      const kb = new InlineKeyboard();
      for (const [i, c] of list.entries()) kb.text(c, `bk:c:${i}`).row();
      const got = await choose(t('book-category'), kb, 'bk:c:', branches.length > 1);
      if ('step' in got) return got.step;
      const category = list[Number(got.value)];
      if (category === undefined) return 'back';
      draft.category = category;
      return 'next';
    };

    const pickService = async (): Promise<Step> => {
      const list = servicesIn().filter((s) => s.category === draft.category);
      const kb = new InlineKeyboard();
      for (const [i, s] of list.entries()) {
        const label = t('book-service-button', {
          name: s.name,
          price: formatAmount(s.price),
          minutes: s.durationMin,
        });
        kb.text(label, `bk:s:${i}`).row();
      }
      const got = await choose(
        t('book-service'),
        kb,
        'bk:s:',
        branches.length > 1 || categories().length > 1,
      );
      if ('step' in got) return got.step;
      const service = list[Number(got.value)];
      if (!service) return 'back';
      draft.serviceId = service.id;
      draft.serviceName = service.name;
      return 'next';
    };

    const pickMaster = async (): Promise<Step> => {
      const masters = (
        await conversation.external(() => services.booking.mastersFor(draft.serviceId))
      ).filter((m) => m.branchId === draft.branchId);
      const kb = new InlineKeyboard().text(t('book-any-master'), 'bk:m:any').row();
      for (const [i, m] of masters.entries()) kb.text(m.masterName, `bk:m:${i}`).row();
      const got = await choose(t('book-master'), kb, 'bk:m:');
      if ('step' in got) return got.step;
      if (got.value === 'any') {
        draft.masterId = null;
        draft.masterName = '';
        return 'next';
      }
      const master = masters[Number(got.value)];
      if (!master) return 'back';
      draft.masterId = master.masterId;
      draft.masterName = master.masterName;
      return 'next';
    };

    /** Free start times (epoch ms) from now on, optionally within one local day. */
    const freeTimes = async (day?: string): Promise<number[]> =>
      conversation.external(async () => {
        const window = day
          ? (() => {
              const from = DateTime.fromISO(day, { zone: draft.timeZone });
              return { from: from.toJSDate(), to: from.plus({ days: 1 }).toJSDate() };
            })()
          : undefined;
        const offers = await services.booking.offers(
          draft.serviceId,
          draft.masterId,
          services.clock(),
          window,
          { branchId: draft.branchId, ...(moving ? { excludeVisit: moving.id } : {}) },
        );
        return [...new Set(offers.map((o) => o.startsAt.getTime()))].sort((a, b) => a - b);
      });

    const localDay = (ms: number) =>
      DateTime.fromMillis(ms, { zone: draft.timeZone }).toISODate() ?? '';

    const pickDay = async (): Promise<Step> => {
      const days = [...new Set((await freeTimes()).map(localDay))];
      if (days.length === 0) {
        await ctx.reply(t('book-no-days'));
        return moving ? 'cancel' : 'back';
      }
      let page = 0;
      for (;;) {
        const shown = days.slice(page * DAYS_PER_PAGE, (page + 1) * DAYS_PER_PAGE);
        const kb = new InlineKeyboard();
        shown.forEach((d, i) => {
          const label = DateTime.fromISO(d, { zone: draft.timeZone })
            .setLocale(locale === 'en' ? 'en-GB' : 'ru')
            .toFormat('ccc d.MM');
          kb.text(label, `bk:d:${d}`);
          if (i % 3 === 2) kb.row();
        });
        kb.row();
        if (page > 0) kb.text(t('book-earlier'), 'bk:d:prev');
        if ((page + 1) * DAYS_PER_PAGE < days.length) kb.text(t('book-later'), 'bk:d:next');
        const got = await choose(t('book-day'), kb, 'bk:d:', !moving);
        if ('step' in got) return got.step;
        if (got.value === 'prev' || got.value === 'next') {
          page += got.value === 'next' ? 1 : -1;
          continue;
        }
        if (!days.includes(got.value)) {
          await got.update.reply(t('book-day-gone'));
          continue;
        }
        draft.day = got.value;
        return 'next';
      }
    };

    const pickTime = async (notice?: string): Promise<Step> => {
      const times = await freeTimes(draft.day);
      if (times.length === 0) {
        await ctx.reply(t('book-day-full'));
        return 'back';
      }
      const kb = new InlineKeyboard();
      times.forEach((ms, i) => {
        const label = DateTime.fromMillis(ms, { zone: draft.timeZone }).toFormat('HH:mm');
        kb.text(label, `bk:t:${ms / 60_000}`);
        if (i % 4 === 3) kb.row();
      });
      const when = DateTime.fromISO(draft.day, { zone: draft.timeZone })
        .setLocale(locale === 'en' ? 'en-GB' : 'ru')
        .toFormat('cccc d MMMM');
      const text = t('book-time', { day: when });
      const got = await choose(notice ? `${notice}\n\n${text}` : text, kb, 'bk:t:');
      if ('step' in got) return got.step;
      const ms = Number(got.value) * 60_000;
      if (!Number.isInteger(ms) || !times.includes(ms)) return pickTime(t('book-time-gone'));
      draft.startsAt = ms;
      return 'next';
    };

    /**
     * The price the client will see (the chosen master's, or the first free one's for "any"),
     * and the discount: a move keeps the visit's; a booking gets the client's current one.
     */
    const quote = () =>
      conversation.external(async (): Promise<PriceQuote | null> => {
        const at = new Date(draft.startsAt);
        const offers = await services.booking.offers(
          draft.serviceId,
          draft.masterId,
          services.clock(),
          { from: new Date(at.getTime() - 1), to: new Date(at.getTime() + 1) },
          { branchId: draft.branchId, ...(moving ? { excludeVisit: moving.id } : {}) },
        );
        const offer = offers.find((o) => o.startsAt.getTime() === draft.startsAt);
        if (!offer) return null;
        if (moving)
          return {
            price: offer.price,
            master: offer.masterName,
            discount: setup.discount,
            coupon: null,
            rulesVersion: null,
          };
        const q = await services.loyalty.quote(draft.clientId, draft.category, services.clock());
        return {
          price: offer.price,
          master: offer.masterName,
          discount: q.total,
          coupon: q.coupon
            ? { id: q.coupon.id, code: q.coupon.code, percent: q.coupon.percent }
            : null,
          rulesVersion: q.rulesVersion,
        };
      });

    const confirm = async (): Promise<Step> => {
      const offer = await quote();
      if (!offer) {
        draft.startsAt = 0;
        await ctx.reply(t('book-taken'));
        return 'back';
      }
      const discount = offer.discount;
      const when = formatWhen(new Date(draft.startsAt), draft.timeZone, locale);
      const summary = moving
        ? t('book-move-confirm', {
            service: draft.serviceName,
            from: formatWhen(new Date(moving.startsAt), draft.timeZone, locale),
            when,
          })
        : t('book-confirm', {
            service: draft.serviceName,
            master: draft.masterId
              ? draft.masterName
              : t('book-any-master-chosen', { master: offer.master }),
            when,
            price: formatAmount(offer.price),
            discount: offer.coupon
              ? t('book-discount-coupon', {
                  total: discount,
                  code: offer.coupon.code,
                  percent: offer.coupon.percent,
                })
              : t('book-discount', { total: discount }),
            total: formatAmount(amountDue(offer.price, discount)),
          });
      const kb = new InlineKeyboard().text(t(moving ? 'book-move-yes' : 'book-yes'), 'bk:ok:');
      const got = await choose(summary, kb, 'bk:ok:');
      if ('step' in got) return got.step;
      const result = await conversation.external(async (): Promise<BookResult> => {
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
              discountPct: discount,
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
          if (err instanceof DomainError)
            return { ok: false as const, text: visitErrorText(t, err) };
          throw err;
        }
      });
      if (!result.ok) {
        // The coupon went to another booking meanwhile: the confirmation again, re-priced.
        if ('requote' in result) return confirm();
        if ('text' in result) {
          await ctx.reply(result.text, { reply_markup: mainMenu(t) });
          return 'cancel';
        }
        // Someone else took the time: fresh times for the same day, never an error.
        draft.startsAt = 0;
        const step = await pickTime(t('book-taken'));
        return step === 'next' ? confirm() : step;
      }
      const startsAt = new Date(draft.startsAt);
      await ctx.reply(
        t(moving ? 'book-moved' : 'book-done', {
          service: draft.serviceName,
          master: result.master,
          when: formatWhen(startsAt, draft.timeZone, locale),
          address: result.address,
        }),
        { reply_markup: mainMenu(t) },
      );
      const stamp = new Date(await now());
      const ics = visitIcs({
        uid: `${result.id}@clientele`,
        start: startsAt,
        end: new Date(result.endsAt),
        summary: `${draft.serviceName} — ${result.master}`,
        location: result.address,
        stamp,
      });
      await ctx.replyWithDocument(new InputFile(Buffer.from(ics, 'utf8'), 'visit.ics'), {
        caption: t('book-ics'),
      });
      return 'next';
    };

    const steps: (() => Promise<Step>)[] = moving
      ? [pickDay, pickTime, confirm]
      : [pickBranch, pickCategory, pickService, pickMaster, pickDay, pickTime, confirm];
    let i = 0;
    let direction: 'next' | 'back' = 'next';
    while (i < steps.length) {
      const step = steps[i];
      if (!step) break;
      const outcome = await step();
      if (outcome === 'cancel') {
        await ctx.reply(t(moving ? 'book-move-cancelled' : 'book-cancelled'), {
          reply_markup: mainMenu(t),
        });
        return;
      }
      if (outcome === 'skip') {
        i += direction === 'next' ? 1 : -1;
      } else {
        direction = outcome;
        i += outcome === 'next' ? 1 : -1;
      }
      if (i < 0) {
        await ctx.reply(t('book-cancelled'), { reply_markup: mainMenu(t) });
        return;
      }
    }
  };
}
