import type { Conversation } from '@grammyjs/conversations';
import { InlineKeyboard } from 'grammy';
import { parseBirthday } from '../../domain/clients/normalise.js';
import type { BotContext, BotServices, ConversationContext } from '../context.js';

export const PROFILE_EDIT = 'profile-edit';
const MAX_NAME = 100;

/** Changes one profile field: asks, checks, saves through the clients domain. */
export function profileEditConversation(services: BotServices) {
  return async function profileEdit(
    conversation: Conversation<BotContext, ConversationContext>,
    ctx: ConversationContext,
    field: 'name' | 'birthday',
  ): Promise<void> {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    await ctx.reply(ctx.t(field === 'name' ? 'profile-ask-name' : 'profile-ask-birthday'), {
      reply_markup: new InlineKeyboard().text(ctx.t('reg-cancel'), 'reg:cancel'),
    });
    for (;;) {
      const answer = await conversation.wait();
      if (answer.callbackQuery?.data === 'reg:cancel' || answer.message?.text === '/cancel') {
        if (answer.callbackQuery) await answer.answerCallbackQuery();
        await answer.reply(answer.t('feedback-cancelled'));
        return;
      }
      const text = answer.message?.text?.trim();
      if (text?.startsWith('/')) await conversation.halt({ next: true });
      if (text === undefined) {
        if (answer.callbackQuery)
          await answer.answerCallbackQuery({ text: answer.t('stale-button') });
        else await answer.reply(answer.t('reg-name-text'));
        continue;
      }
      if (field === 'name') {
        if (!/\p{L}/u.test(text)) {
          await answer.reply(answer.t('reg-name-invalid'));
          continue;
        }
        if (text.length > MAX_NAME) {
          await answer.reply(answer.t('reg-name-too-long', { max: MAX_NAME }));
          continue;
        }
      }
      let birthday = null;
      if (field === 'birthday') {
        try {
          birthday = parseBirthday(text.slice(0, 40), new Date(await conversation.now()));
        } catch {
          await answer.reply(answer.t('reg-birthday-invalid'));
          continue;
        }
      }
      const saved = await conversation.external(async () => {
        const client = await services.clients.identityOfTelegramUser(userId);
        if (!client) return false;
        await services.clients.update(client.id, field === 'name' ? { name: text } : { birthday }, {
          type: 'client',
          id: client.id,
        });
        return true;
      });
      await answer.reply(answer.t(saved ? 'profile-saved' : 'menu-register-first'));
      return;
    }
  };
}
