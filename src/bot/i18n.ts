import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { I18n } from '@grammyjs/i18n';
import type { Translate } from '../domain/messages/translate.js';
import { type BaseContext, type Locale, localeFromTelegram } from './context.js';

const LOCALES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'locales');

export function createI18n(
  chosenLocale: (userId: number) => Promise<Locale | undefined> = async () => undefined,
): I18n<BaseContext> {
  return new I18n<BaseContext>({
    defaultLocale: 'ru',
    directory: LOCALES_DIR,
    // Without this Fluent wraps every variable in invisible Unicode isolation marks.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: async (ctx) => {
      if (!ctx.from) return 'ru';
      return (await chosenLocale(ctx.from.id)) ?? localeFromTelegram(ctx.from.language_code);
    },
  });
}

/** Translations outside an update (outbox messages from domain services). */
export function createTranslator(): Translate {
  const i18n = createI18n();
  return (locale, key, params) => i18n.t(locale === 'en' ? 'en' : 'ru', key, params);
}
