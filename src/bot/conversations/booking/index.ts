import { callbacks } from '../../callback-data.js';
import type { BotServices, ConversationContext } from '../../context.js';
import { MENU_KEYS, mainMenu } from '../../keyboards.js';
import { type Conv, createKit, type Step } from '../kit/kit.js';
import { runSteps } from '../kit/steps.js';
import { confirmStep } from './confirm-step.js';
import { dayStep } from './day-step.js';
import type { Booking, BookingStart } from './draft.js';
import { masterStep } from './master-step.js';
import { branchStep, categoryStep, serviceStep } from './service-step.js';
import { loadSetup } from './setup.js';
import { timeStep } from './time-step.js';

export const BOOKING = 'booking';
export type { BookingStart } from './draft.js';

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
    const setup = await loadSetup(conversation, ctx, services, userId, start);
    if ('error' in setup) return void (await ctx.reply(t(setup.error)));
    if ('errorText' in setup) return void (await ctx.reply(setup.errorText));
    const { catalogue, moving } = setup;
    if (!moving && catalogue.services.length === 0)
      return void (await ctx.reply(t('book-nothing')));

    const b: Booking = {
      kit: createKit(conversation, ctx, {
        nav: callbacks.bookingNav,
        useButtons: 'book-use-buttons',
        labels: { back: 'book-back', cancel: 'book-cancel' },
        leaveOn: new Set(MENU_KEYS.map((k) => t(k))),
      }),
      services,
      locale: await ctx.i18n.getLocale(),
      catalogue,
      moving,
      discount: setup.discount,
      draft: {
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
      },
      asked: new Map(),
    };
    const step =
      (fn: (b: Booking) => Promise<Awaited<ReturnType<Step>>>): Step =>
      () =>
        fn(b);
    const steps = moving
      ? [step(dayStep), step(timeStep), step(confirmStep)]
      : [branchStep, categoryStep, serviceStep, masterStep, dayStep, timeStep, confirmStep].map(
          (fn) => step(fn),
        );
    const ended = await runSteps(steps);
    if (ended === 'done') return;
    const key = moving && ended === 'cancel' ? 'book-move-cancelled' : 'book-cancelled';
    await ctx.reply(t(key), { reply_markup: mainMenu(t) });
  };
}
