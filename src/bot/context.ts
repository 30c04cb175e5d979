import type { ConversationFlavor } from '@grammyjs/conversations';
import type { I18nFlavor } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { Kysely } from 'kysely';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import type { BookingService } from '../domain/booking/booking-service.js';
import type { ClientService } from '../domain/clients/client-service.js';
import type { CardService } from '../domain/loyalty/card-service.js';
import type { LoyaltyService } from '../domain/loyalty/loyalty-service.js';
import type { ClientMessages } from '../domain/messages/client-messages.js';
import type { RegistrationService } from '../domain/onboarding/registration.js';
import type { ReferralService } from '../domain/referrals/referral-service.js';
import type { StaffService } from '../domain/staff/staff-service.js';
import type { VisitService } from '../domain/visits/visit-service.js';
import type { Logger } from '../logger.js';

export interface BotServices {
  db: Kysely<Database>;
  crypto: Crypto;
  clients: ClientService;
  messages: ClientMessages;
  referrals: ReferralService;
  registration: RegistrationService;
  staff: StaffService;
  cards: CardService;
  loyalty: LoyaltyService;
  booking: BookingService;
  visits: VisitService;
  clock: () => Date;
  logger: Logger;
}

/** What every handler has: translations, a per-update logger and who is asking. */
export type BaseContext = Context &
  I18nFlavor & {
    logger: Logger;
    services: BotServices;
  };

/** The context outside conversations. */
export type BotContext = ConversationFlavor<BaseContext>;

/** The context inside conversations (plugins reinstalled there: i18n, services). */
export type ConversationContext = BaseContext;

export const LOCALES = ['ru', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Telegram's language of the user, mapped to ours: Russian for CIS languages, else English. */
export function localeFromTelegram(languageCode: string | undefined): Locale {
  const lang = (languageCode ?? '').toLowerCase().split('-')[0] ?? '';
  return ['ru', 'uk', 'be', 'kk', 'ky', 'uz', 'hy', 'az', 'tg'].includes(lang) ? 'ru' : 'en';
}
