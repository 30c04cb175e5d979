import { DomainError, InvalidInputError } from '../../domain/errors.js';
import { MAX_FEEDBACK_COMMENT } from '../../domain/visits/visit-rules.js';
import { callbacks } from '../callback-data.js';
import type { BotServices, ConversationContext } from '../context.js';
import { visitErrorText } from '../errors.js';
import { askText, type Parsed } from './kit/ask-text.js';
import { type Conv, createKit } from './kit/kit.js';

export const RATE_COMMENT = 'rate-comment';

/**
 * After a rating: thanks, and an optional comment (skippable, or /cancel), stored encrypted.
 * Another rating button, a command or the menu ends it; that one goes on as usual.
 */
export function rateCommentConversation(services: BotServices) {
  return async function rateComment(
    conversation: Conv,
    ctx: ConversationContext,
    start: { visitId: string; score: number },
  ): Promise<void> {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    const kit = createKit(conversation, ctx, {
      nav: callbacks.rateNav,
      useButtons: 'rate-comment-text',
      labels: { back: 'reg-back', cancel: 'reg-cancel' },
      leaveOnOtherPress: true,
    });
    // The comment is checked and saved at once by the domain: a fixable text is asked again
    // (the error), anything else ends here (stop: what to say; null: saved).
    const got = await askText<string | null, 'skip'>(kit, {
      text: ctx.t(start.score <= 3 ? 'rate-thanks-low' : 'rate-thanks'),
      rows: [[{ text: ctx.t('rate-skip'), data: callbacks.rateSkip.pack({}), value: 'skip' }]],
      back: false,
      cancel: false,
      notText: 'rate-comment-text',
      parse: async (typed, update): Promise<Parsed<string | null>> => {
        const outcome = await conversation.external(
          async (): Promise<{ retry: string } | { stop: string } | null> => {
            const client = await services.clients.identityOfTelegramUser(userId);
            if (!client) return { stop: update.t('menu-register-first') };
            try {
              await services.visits.comment(client.id, start.visitId, typed);
              return null;
            } catch (err) {
              if (!(err instanceof InvalidInputError)) {
                if (err instanceof DomainError)
                  return { stop: visitErrorText(update.t.bind(update), err) };
                throw err;
              }
              return {
                retry:
                  err.code === 'too-long'
                    ? update.t('rate-comment-too-long', {
                        length: typed.trim().length,
                        max: MAX_FEEDBACK_COMMENT,
                      })
                    : update.t('rate-comment-empty'),
              };
            }
          },
        );
        if (outcome && 'retry' in outcome) return { error: outcome.retry };
        return { value: outcome ? outcome.stop : null };
      },
    });
    const stop = 'value' in got ? got.value : null;
    await ctx.reply(stop ?? ctx.t('rate-done'));
  };
}
