import { MAX_MESSAGE_LENGTH } from '../../domain/messages/client-messages.js';
import { callbacks } from '../callback-data.js';
import type { BotServices, ConversationContext } from '../context.js';
import { askText, type Parsed } from './kit/ask-text.js';
import { chooseOne } from './kit/choose-one.js';
import { type Conv, createKit } from './kit/kit.js';

export const FEEDBACK = 'feedback';

/** A message to the salon as typed: not empty, not over the limit. */
function parseMessage(typed: string, t: ConversationContext['t']): Parsed<string> {
  const text = typed.trim();
  if (text === '') return { error: t('feedback-empty') };
  if (text.length > MAX_MESSAGE_LENGTH)
    return { error: t('feedback-too-long', { length: text.length, max: MAX_MESSAGE_LENGTH }) };
  return { value: text };
}

/**
 * /feedback: asks for a message to the salon, checks it, asks to confirm, stores it encrypted. Short and thin, as every
 * conversation here: database calls only through conversation.external. Typing /cancel stops it.
 */
export function feedbackConversation(services: BotServices) {
  return async function feedback(conversation: Conv, ctx: ConversationContext): Promise<void> {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    const kit = createKit(conversation, ctx, {
      nav: callbacks.feedbackNav,
      // Typing at the confirmation asks it again.
      useButtons: 'feedback-confirm',
      labels: { back: 'reg-back', cancel: 'reg-cancel' },
    });
    const typed = await askText(kit, {
      text: ctx.t('feedback-ask'),
      back: false,
      cancel: false,
      notText: 'feedback-not-text',
      parse: (text, update) => parseMessage(text, update.t.bind(update)),
    });
    if (!('value' in typed)) {
      await ctx.reply(ctx.t('feedback-cancelled'));
      return;
    }
    const answer = (a: 'yes' | 'no') => callbacks.feedbackAnswer.pack({ answer: a });
    const confirmed = await chooseOne(kit, {
      text: ctx.t('feedback-confirm'),
      rows: [
        [
          { text: ctx.t('feedback-yes'), data: answer('yes'), value: true },
          { text: ctx.t('feedback-no'), data: answer('no'), value: false },
        ],
      ],
      back: false,
      cancel: false,
    });
    if ('nav' in confirmed || !confirmed.value) {
      await ctx.reply(ctx.t('feedback-cancelled'));
      return;
    }
    await conversation.external(async () => {
      const client = await services.clients.identityOfTelegramUser(userId);
      await services.messages.submit({
        telegramUserId: userId,
        clientId: client?.id ?? null,
        body: typed.value,
      });
    });
    await ctx.reply(ctx.t('feedback-thanks'));
  };
}
