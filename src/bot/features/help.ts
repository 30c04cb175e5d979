import { Composer, InlineKeyboard } from 'grammy';
import { callbacks } from '../callback-data.js';
import type { BotContext } from '../context.js';

export const helpFeature = new Composer<BotContext>();

helpFeature.command('help', async (ctx) => {
  await ctx.reply(ctx.t('help'), {
    reply_markup: new InlineKeyboard().text(
      ctx.t('help-language-button'),
      callbacks.languageMenu.pack({}),
    ),
  });
});
