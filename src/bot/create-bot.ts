import { autoRetry } from '@grammyjs/auto-retry';
import { conversations, createConversation } from '@grammyjs/conversations';
import { sequentialize } from '@grammyjs/runner';
import { Bot, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import {
  conversationKey,
  createConversationStore,
} from '../domain/conversations/conversation-store.js';
import type { BaseContext, BotContext, BotServices, ConversationContext } from './context.js';
import { BOOKING, bookingConversation } from './conversations/booking.js';
import { FEEDBACK, feedbackConversation } from './conversations/feedback.js';
import { PROFILE_EDIT, profileEditConversation } from './conversations/profile-edit.js';
import { RATE_COMMENT, rateCommentConversation } from './conversations/rate-comment.js';
import { REGISTRATION, registrationConversation } from './conversations/registration.js';
import { VISIT_AMOUNT, visitAmountConversation } from './conversations/visit-amount.js';
import { describeError, isExpected, replyWithError } from './errors.js';
import { chatMemberFeature } from './features/chat-member.js';
import { helpFeature } from './features/help.js';
import { languageFeature } from './features/language.js';
import { masterFeature } from './features/master.js';
import { menuFeature } from './features/menu.js';
import { profileFeature } from './features/profile.js';
import { startFeature } from './features/start.js';
import { unhandledFeature } from './features/unhandled.js';
import { visitsFeature } from './features/visits.js';
import { createI18n } from './i18n.js';
import { dedupeUpdates } from './middlewares/dedupe.js';
import { InFlight } from './middlewares/in-flight.js';
import { UserPreferences } from './user-preferences.js';

/** Bump when a conversation's steps change: stored state of the old shape is then dropped. */
export const CONVERSATIONS_VERSION = 1;

export interface BotDeps extends BotServices {
  token: string;
  apiRoot: string;
  botInfo?: UserFromGetMe;
}

export interface ClienteleBot {
  bot: Bot<BotContext>;
  inFlight: InFlight;
}

/** Updates of one chat are handled in order (the runner is concurrent across chats). */
function chatKey(ctx: Context): string | undefined {
  return ctx.chat?.id.toString() ?? ctx.from?.id.toString();
}

export function createBot(deps: BotDeps): ClienteleBot {
  const { token, apiRoot, botInfo, ...services } = deps;
  const bot = new Bot<BotContext>(token, { client: { apiRoot }, ...(botInfo ? { botInfo } : {}) });
  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60 });
  bot.api.config.use(retry);

  const preferences = new UserPreferences(services.db, services.crypto, services.clients);
  const i18n = createI18n((userId) => preferences.localeOf(userId));
  const inFlight = new InFlight();
  const attachServices = async (ctx: BaseContext, next: () => Promise<void>) => {
    ctx.services = services;
    ctx.logger = services.logger.child({ update_id: ctx.update.update_id });
    await next();
  };

  bot.use(sequentialize(chatKey));
  bot.use(inFlight.middleware);
  bot.use(attachServices);
  bot.use(dedupeUpdates(services.db));
  bot.use(i18n);
  bot.use(
    conversations<BaseContext, ConversationContext>({
      storage: {
        type: 'key',
        version: CONVERSATIONS_VERSION,
        getStorageKey: (ctx) => {
          const id = ctx.chat?.id;
          return id === undefined ? undefined : conversationKey(id, 'conversations');
        },
        adapter: createConversationStore(services.db, services.crypto),
      },
      // Outside middleware does not run inside conversations: install what they need again.
      plugins: [
        async (ctx, next) => {
          ctx.api.config.use(retry);
          await next();
        },
        attachServices,
        i18n,
      ],
    }),
  );

  const features = bot.errorBoundary(async (err) => {
    if (isExpected(err.error)) err.ctx.logger.info({ error: describeError(err.error) }, 'refused');
    else err.ctx.logger.error({ error: describeError(err.error) }, 'handler failed');
    await replyWithError(err.ctx, err.error);
  });
  features.use(createConversation(feedbackConversation(services), FEEDBACK));
  features.use(createConversation(registrationConversation(services), REGISTRATION));
  features.use(createConversation(profileEditConversation(services), PROFILE_EDIT));
  features.use(createConversation(bookingConversation(services), BOOKING));
  features.use(createConversation(rateCommentConversation(services), RATE_COMMENT));
  features.use(createConversation(visitAmountConversation(services), VISIT_AMOUNT));
  features.command('feedback', (ctx) => ctx.conversation.enter(FEEDBACK));
  features.command('cancel', (ctx) => ctx.conversation.exitAll());
  features.use(
    chatMemberFeature,
    startFeature,
    helpFeature,
    languageFeature(preferences),
    menuFeature,
    visitsFeature,
    masterFeature,
    profileFeature,
    unhandledFeature,
  );

  bot.catch((err) => {
    services.logger.error(
      { error: describeError(err.error), update_id: err.ctx.update.update_id },
      'update failed',
    );
  });
  return { bot, inFlight };
}

/** The command menu in each language; set once at start-up, not per update. */
export async function setCommands(bot: Bot<BotContext>): Promise<void> {
  const i18n = createI18n();
  for (const locale of ['ru', 'en'] as const) {
    const t = (key: string) => i18n.t(locale, key);
    await bot.api.setMyCommands(
      [
        { command: 'start', description: t('command-start') },
        { command: 'help', description: t('command-help') },
        { command: 'language', description: t('command-language') },
        { command: 'feedback', description: t('command-feedback') },
        { command: 'agenda', description: t('command-agenda') },
      ],
      locale === 'ru' ? { language_code: 'ru' } : {},
    );
  }
}
