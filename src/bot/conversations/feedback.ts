import type { Conversation } from '@grammyjs/conversations';
import { InlineKeyboard } from 'grammy';
import { MAX_MESSAGE_LENGTH } from '../../domain/messages/client-messages.js';
import type { BotContext, BotServices, ConversationContext } from '../context.js';

export const FEEDBACK = 'feedback';

/**
 * /feedback: asks for a message to the salon, checks it, asks to confirm, stores it encrypted. Short and thin, as every
 * conversation here: database calls only through conversation.external.
 */
export function feedbackConversation(services: BotServices) {
  return async function feedback(
    conversation: Conversation<BotContext, ConversationContext>,
    ctx: ConversationContext,
  ): Promise<void> {
    await ctx.reply(ctx.t('feedback-ask'));
    let text: string;
    for (;;) {
      const answer = await conversation.wait();
      const typed = answer.message?.text;
      if (typed === '/cancel') {
        await answer.reply(answer.t('feedback-cancelled'));
        return;
      }
      // Any other command leaves the conversation and is handled as usual.
      if (typed?.startsWith('/')) await conversation.halt({ next: true });
      if (typed === undefined) {
        await answer.reply(answer.t('feedback-not-text'));
        continue;
      }
      const trimmed = typed.trim();
      if (trimmed === '') {
        await answer.reply(answer.t('feedback-empty'));
        continue;
      }
      if (trimmed.length > MAX_MESSAGE_LENGTH) {
        await answer.reply(
          answer.t('feedback-too-long', { length: trimmed.length, max: MAX_MESSAGE_LENGTH }),
        );
        continue;
      }
      text = trimmed;
      break;
    }
    await ctx.reply(ctx.t('feedback-confirm'), {
      reply_markup: new InlineKeyboard()
        .text(ctx.t('feedback-yes'), 'feedback:yes')
        .text(ctx.t('feedback-no'), 'feedback:no'),
    });
    const choice = await conversation.waitForCallbackQuery(['feedback:yes', 'feedback:no'], {
      otherwise: (other) => other.reply(other.t('feedback-confirm')),
    });
    await choice.answerCallbackQuery();
    if (choice.callbackQuery.data === 'feedback:no') {
      await choice.reply(choice.t('feedback-cancelled'));
      return;
    }
    const userId = choice.from.id;
    await conversation.external(async () => {
      const client = await services.clients.identityOfTelegramUser(userId);
      await services.messages.submit({
        telegramUserId: userId,
        clientId: client?.id ?? null,
        body: text,
      });
    });
    await choice.reply(choice.t('feedback-thanks'));
  };
}
