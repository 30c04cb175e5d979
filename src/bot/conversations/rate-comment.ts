import type { Conversation } from '@grammyjs/conversations';
import { InlineKeyboard } from 'grammy';
import { DomainError, InvalidInputError } from '../../domain/errors.js';
import { MAX_FEEDBACK_COMMENT } from '../../domain/visits/visit-service.js';
import type { BotContext, BotServices, ConversationContext } from '../context.js';
import { visitErrorText } from '../errors.js';

export const RATE_COMMENT = 'rate-comment';

/** After a rating: thanks, and an optional comment (skippable), stored encrypted. */
export function rateCommentConversation(services: BotServices) {
  return async function rateComment(
    conversation: Conversation<BotContext, ConversationContext>,
    ctx: ConversationContext,
    start: { visitId: string; score: number },
  ): Promise<void> {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    await ctx.reply(ctx.t(start.score <= 3 ? 'rate-thanks-low' : 'rate-thanks'), {
      reply_markup: new InlineKeyboard().text(ctx.t('rate-skip'), 'rate:skip'),
    });
    for (;;) {
      const answer = await conversation.wait();
      if (answer.callbackQuery?.data === 'rate:skip') {
        await answer.answerCallbackQuery();
        await answer.reply(answer.t('rate-done'));
        return;
      }
      const typed = answer.message?.text;
      if (typed === '/cancel') {
        await answer.reply(answer.t('rate-done'));
        return;
      }
      // Another rating button, a command or the menu: this one is over, that one goes on.
      if (answer.callbackQuery || typed?.startsWith('/')) await conversation.halt({ next: true });
      if (typed === undefined) {
        await answer.reply(answer.t('rate-comment-text'));
        continue;
      }
      // retry: the text can be fixed and sent again; stop: nothing more to do here.
      const outcome = await conversation.external(
        async (): Promise<{ retry: string } | { stop: string } | null> => {
          const client = await services.clients.identityOfTelegramUser(userId);
          if (!client) return { stop: answer.t('menu-register-first') };
          try {
            await services.visits.comment(client.id, start.visitId, typed);
            return null;
          } catch (err) {
            if (!(err instanceof InvalidInputError)) {
              if (err instanceof DomainError)
                return { stop: visitErrorText(answer.t.bind(answer), err) };
              throw err;
            }
            return {
              retry:
                err.code === 'too-long'
                  ? answer.t('rate-comment-too-long', {
                      length: typed.trim().length,
                      max: MAX_FEEDBACK_COMMENT,
                    })
                  : answer.t('rate-comment-empty'),
            };
          }
        },
      );
      if (outcome && 'retry' in outcome) {
        await answer.reply(outcome.retry);
        continue;
      }
      if (outcome) {
        await answer.reply(outcome.stop);
        return;
      }
      await answer.reply(answer.t('rate-done'));
      return;
    }
  };
}
