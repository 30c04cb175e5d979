import { type Birthday, parseBirthday } from '../../domain/clients/normalise.js';
import { callbacks } from '../callback-data.js';
import type { BotServices, ConversationContext } from '../context.js';
import { askText, type Parsed } from './kit/ask-text.js';
import { type Conv, createKit } from './kit/kit.js';
import { parseName } from './registration.js';

export const PROFILE_EDIT = 'profile-edit';

/** Changes one profile field: asks, checks, saves through the clients domain. */
export function profileEditConversation(services: BotServices) {
  return async function profileEdit(
    conversation: Conv,
    ctx: ConversationContext,
    field: 'name' | 'birthday',
  ): Promise<void> {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    // Registration's Cancel, shared: the profile asks the same questions.
    const kit = createKit(conversation, ctx, {
      nav: callbacks.registrationNav,
      useButtons: 'reg-use-buttons',
      labels: { back: 'reg-back', cancel: 'reg-cancel' },
    });
    const got = await askText(kit, {
      text: ctx.t(field === 'name' ? 'profile-ask-name' : 'profile-ask-birthday'),
      back: false,
      notText: field === 'name' ? 'reg-name-text' : 'reg-birthday-invalid',
      parse: async (typed, update): Promise<Parsed<{ name: string } | { birthday: Birthday }>> => {
        if (field === 'name') {
          const name = parseName(typed, update.t.bind(update));
          return 'value' in name ? { value: { name: name.value } } : name;
        }
        const today = new Date(await conversation.now());
        try {
          return { value: { birthday: parseBirthday(typed.trim().slice(0, 40), today) } };
        } catch {
          return { error: update.t('reg-birthday-invalid') };
        }
      },
    });
    if ('nav' in got) {
      await ctx.reply(ctx.t('feedback-cancelled'));
      return;
    }
    const change = 'value' in got ? got.value : undefined;
    if (!change) return;
    const saved = await conversation.external(async () => {
      const client = await services.clients.identityOfTelegramUser(userId);
      if (!client) return false;
      await services.clients.update(client.id, change, { type: 'client', id: client.id });
      return true;
    });
    await ctx.reply(ctx.t(saved ? 'profile-saved' : 'menu-register-first'));
  };
}
