import type { Conversation } from '@grammyjs/conversations';
import { DomainError } from '../../domain/errors.js';
import { formatAmount } from '../../domain/visits/format-when.js';
import type { BotContext, BotServices, ConversationContext } from '../context.js';
import { visitErrorText } from '../errors.js';

export const VISIT_AMOUNT = 'visit-amount';

/** "1 500,50" → 1500.5; anything else → null. */
export function parseAmount(text: string): number | null {
  const cleaned = text.replace(/[\s\u00a0₽$€]/g, '').replace(',', '.');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(cleaned)) return null;
  return Number(cleaned);
}

/** A master corrects the amount paid for their visit, then it is marked done. */
export function visitAmountConversation(services: BotServices) {
  return async function visitAmount(
    conversation: Conversation<BotContext, ConversationContext>,
    ctx: ConversationContext,
    start: { visitId: string },
  ): Promise<void> {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    await ctx.reply(ctx.t('master-amount-ask'));
    for (;;) {
      const answer = await conversation.wait();
      const typed = answer.message?.text;
      if (typed === '/cancel') {
        await answer.reply(answer.t('master-amount-cancelled'));
        return;
      }
      if (answer.callbackQuery || typed?.startsWith('/')) await conversation.halt({ next: true });
      const amount = typed === undefined ? null : parseAmount(typed);
      if (amount === null) {
        await answer.reply(answer.t('master-amount-invalid'));
        continue;
      }
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
            if (err instanceof DomainError)
              return { error: visitErrorText(answer.t.bind(answer), err) };
            throw err;
          }
        },
      );
      await answer.reply(
        'ok' in result ? answer.t('master-done', { amount: result.ok }) : result.error,
      );
      return;
    }
  };
}
