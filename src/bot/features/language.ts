import { Composer, InlineKeyboard } from 'grammy';
import { type BotContext, isLocale } from '../context.js';
import type { UserPreferences } from '../user-preferences.js';

export function languageFeature(preferences: UserPreferences): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const menu = () =>
    new InlineKeyboard().text('Русский', 'language:ru').text('English', 'language:en');

  feature.command('language', (ctx) =>
    ctx.reply(ctx.t('language-choose'), { reply_markup: menu() }),
  );
  feature.callbackQuery('language:menu', async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('language-choose'), { reply_markup: menu() });
  });
  feature.callbackQuery(/^language:(\w+)$/, async (ctx) => {
    const locale = ctx.match[1];
    if (!isLocale(locale)) {
      await ctx.answerCallbackQuery({ text: ctx.t('stale-button') });
      return;
    }
    await preferences.setLocale(ctx.from.id, locale);
    ctx.i18n.useLocale(locale);
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('language-set'));
  });
  return feature;
}
