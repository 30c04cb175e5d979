import { hears } from '@grammyjs/i18n';
import { Composer, InlineKeyboard, InputFile } from 'grammy';
import { exportClientData } from '../../domain/clients/client-export.js';
import type { Client } from '../../domain/clients/client-service.js';
import { recordConsents } from '../../domain/onboarding/consents.js';
import { callbacks, onPress } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { PROFILE_EDIT } from '../conversations/profile-edit.js';

function birthdayText(client: Client, fallback: string): string {
  const b = client.birthday;
  if (!b) return fallback;
  const dm = `${String(b.day).padStart(2, '0')}.${String(b.month).padStart(2, '0')}`;
  return b.year === null ? dm : `${dm}.${b.year}`;
}

const action = (name: 'name' | 'birthday' | 'marketing' | 'export' | 'delete') =>
  callbacks.profile.pack({ action: name });

async function showProfile(ctx: BotContext, client: Client): Promise<void> {
  await ctx.reply(
    ctx.t('profile', {
      name: client.name ?? ctx.t('profile-none'),
      phone: client.phone ?? ctx.t('profile-none'),
      birthday: birthdayText(client, ctx.t('profile-none')),
      marketing: ctx.t(client.marketingOptIn ? 'profile-on' : 'profile-off'),
    }),
    {
      reply_markup: new InlineKeyboard()
        .text(ctx.t('profile-edit-name'), action('name'))
        .text(ctx.t('profile-edit-birthday'), action('birthday'))
        .row()
        .text(ctx.t('profile-language'), callbacks.languageMenu.pack({}))
        .text(
          ctx.t(client.marketingOptIn ? 'profile-marketing-off' : 'profile-marketing-on'),
          action('marketing'),
        )
        .row()
        .text(ctx.t('profile-my-data'), action('export'))
        .text(ctx.t('profile-delete'), action('delete')),
    },
  );
}

/** The profile and data rights (C5): every action checks the asker is this client. */
export const profileFeature = new Composer<BotContext>();

async function me(ctx: BotContext): Promise<Client | null> {
  const client = ctx.from ? await ctx.services.clients.getByTelegramId(ctx.from.id) : null;
  if (!client) {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t('menu-register-first') });
    else await ctx.reply(ctx.t('menu-register-first'));
  }
  return client;
}

profileFeature.filter(hears('menu-profile'), async (ctx) => {
  const client = await me(ctx);
  if (client) await showProfile(ctx, client);
});

/** Each profile button; every action checks the asker is this client. */
onPress(profileFeature, callbacks.profile, async (ctx, { action: pressed }) => {
  const client = await me(ctx);
  if (!client) return;
  switch (pressed) {
    case 'name':
    case 'birthday':
      await ctx.answerCallbackQuery();
      await ctx.conversation.enter(PROFILE_EDIT, pressed);
      return;
    case 'marketing': {
      const granted = !client.marketingOptIn;
      await recordConsents(
        ctx.services.db,
        client.id,
        [{ purpose: 'marketing', granted }],
        'telegram',
      );
      await ctx.answerCallbackQuery();
      await ctx.reply(ctx.t(granted ? 'profile-marketing-now-on' : 'profile-marketing-now-off'));
      return;
    }
    case 'export': {
      await ctx.answerCallbackQuery();
      const data = await exportClientData(ctx.services, client.id, {
        type: 'client',
        id: client.id,
      });
      const file = new InputFile(Buffer.from(JSON.stringify(data, null, 2)), 'my-data.json');
      await ctx.replyWithDocument(file, { caption: ctx.t('profile-my-data-caption') });
      return;
    }
    case 'delete':
      await ctx.answerCallbackQuery();
      await ctx.reply(ctx.t('profile-delete-confirm'), {
        reply_markup: new InlineKeyboard()
          .text(ctx.t('profile-delete-yes'), callbacks.profileDelete.pack({ answer: 'yes' }))
          .text(ctx.t('profile-delete-no'), callbacks.profileDelete.pack({ answer: 'no' })),
      });
      return;
    default: {
      const unknown: never = pressed;
      throw new Error(`unknown profile action ${String(unknown)}`);
    }
  }
});

onPress(profileFeature, callbacks.profileDelete, async (ctx, { answer }) => {
  if (answer === 'no') {
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('feedback-cancelled'));
    return;
  }
  const client = await me(ctx);
  if (!client) return;
  await ctx.services.clients.erase(client.id, { type: 'client', id: client.id });
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t('profile-deleted'), { reply_markup: { remove_keyboard: true } });
});
