import { DomainError } from '../../domain/errors.js';
import { formatAmount } from '../../domain/visits/format-when.js';
import { callbacks } from '../callback-data.js';
import type { BotServices, ConversationContext } from '../context.js';
import { visitErrorText } from '../errors.js';
import { askText } from './kit/ask-text.js';
import { type Conv, createKit } from './kit/kit.js';

export const VISIT_AMOUNT = 'visit-amount';

/** "1 500,50" → 1500.5; anything else → null. */
export function parseAmount(text: string): number | null {
  const cleaned = text.replace(/[\s\u00a0₽$€]/g, '').replace(',', '.');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(cleaned)) return null;
  return Number(cleaned);
}

/**
 * A master corrects the amount paid for their visit, then it is marked done. Typing /cancel
 * stops it; another visit's button pressed meanwhile ends it and is handled as usual.
 */
export function visitAmountConversation(services: BotServices) {
  return async function visitAmount(
    conversation: Conv,
    ctx: ConversationContext,
    start: { visitId: string },
  ): Promise<void> {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    const kit = createKit(conversation, ctx, {
      nav: callbacks.visitAmountNav,
      useButtons: 'master-amount-invalid',
      labels: { back: 'reg-back', cancel: 'reg-cancel' },
      leaveOnOtherPress: true,
    });
    const got = await askText(kit, {
      text: ctx.t('master-amount-ask'),
      back: false,
      cancel: false,
      notText: 'master-amount-invalid',
      parse: (typed, update) => {
        const amount = parseAmount(typed);
        return amount === null ? { error: update.t('master-amount-invalid') } : { value: amount };
      },
    });
    if (!('value' in got)) {
      await ctx.reply(ctx.t('master-amount-cancelled'));
      return;
    }
    const amount = got.value;
    const result = await conversation.external(
      async (): Promise<{ ok: string } | { error: string }> => {
        try {
          const { master } = await services.visits.ofMaster(userId, start.visitId);
          const done = await services.visits.complete(
            start.visitId,
            { amount },
            { type: 'staff', id: master.staffUserId },
            services.clock(),
          );
          return { ok: formatAmount(done.amountPaid) };
        } catch (err) {
          if (err instanceof DomainError) return { error: visitErrorText(ctx.t.bind(ctx), err) };
          throw err;
        }
      },
    );
    await ctx.reply('ok' in result ? ctx.t('master-done', { amount: result.ok }) : result.error);
  };
}
