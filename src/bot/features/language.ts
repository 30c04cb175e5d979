import { Composer, InlineKeyboard } from 'grammy';
import { callbacks, onPress } from '../callback-data.js';
import type { BotContext } from '../context.js';
import type { UserPreferences } from '../user-preferences.js';

export function languageFeature(preferences: UserPreferences): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const menu = () =>
    new InlineKeyboard()
      .text('Русский', callbacks.language.pack({ locale: 'ru' }))
      .text('English', callbacks.language.pack({ locale: 'en' }));

  feature.command('language', (ctx) =>
    ctx.reply(ctx.t('language-choose'), { reply_markup: menu() }),
  );
  onPress(feature, callbacks.languageMenu, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('language-choose'), { reply_markup: menu() });
  });
  onPress(feature, callbacks.language, async (ctx, { locale }) => {
    await preferences.setLocale(ctx.from.id, locale);
    ctx.i18n.useLocale(locale);
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('language-set'));
  });
  return feature;
}
