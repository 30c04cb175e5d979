import { autoRetry } from '@grammyjs/auto-retry';
import { conversations, createConversation } from '@grammyjs/conversations';
import { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { ChatLocks } from './chat-lock.js';
import type { BaseContext, BotContext, BotServices, ConversationContext } from './context.js';
import { BOOKING, bookingConversation } from './conversations/booking/index.js';
import { FEEDBACK, feedbackConversation } from './conversations/feedback.js';
import { PROFILE_EDIT, profileEditConversation } from './conversations/profile-edit.js';
import { RATE_COMMENT, rateCommentConversation } from './conversations/rate-comment.js';
import { REGISTRATION, registrationConversation } from './conversations/registration.js';
import { conversationStorage, restartInterrupted } from './conversations/upgrade.js';
import { VISIT_AMOUNT, visitAmountConversation } from './conversations/visit-amount.js';
import { describeError, isExpected, isPassingFailure, replyWithError } from './errors.js';
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
import { InFlight } from './middlewares/in-flight.js';
import { boundedNetworkRetry } from './network-retry.js';
import type { ApiSignal } from './start-in-background.js';
import { UserPreferences } from './user-preferences.js';

export { CONVERSATIONS_VERSION } from './conversations/upgrade.js';

export interface BotDeps extends BotServices {
  token: string;
  apiRoot: string;
  botInfo?: UserFromGetMe;
  /** Per-chat order across processes (chat-lock.ts); the caller closes it after the bot. */
  chatLocks: ChatLocks;
  /** The longest one Bot API call may take (60 s without it). */
  apiTimeoutSeconds?: number;
}

export interface ClienteleBot {
  bot: Bot<BotContext>;
  inFlight: InFlight;
}

export function createBot(deps: BotDeps): ClienteleBot {
  const { token, apiRoot, botInfo, chatLocks, apiTimeoutSeconds, ...services } = deps;
  const bot = new Bot<BotContext>(token, {
    // grammY's default of 500 s per call would hold a chat that long when Telegram hangs;
    // 60 s still covers the 30 s long polls.
    client: { apiRoot, timeoutSeconds: apiTimeoutSeconds ?? 60 },
    ...(botInfo ? { botInfo } : {}),
  });
  // 429s and 5xx: at most 3 retries, never waiting over a minute; network errors: 2 retries.
  const retry = [
    autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }),
    boundedNetworkRetry({ retries: 2, firstDelayMs: 1_000 }),
  ];
  bot.api.config.use(...retry);

  const preferences = new UserPreferences(services.db, services.crypto, services.clients);
  const i18n = createI18n((userId) => preferences.localeOf(userId));
  const inFlight = new InFlight();
  const attachServices = async (ctx: BaseContext, next: () => Promise<void>) => {
    ctx.services = services;
    ctx.logger = services.logger.child({ update_id: ctx.update.update_id });
    await next();
  };

  bot.use(inFlight.middleware);
  bot.use(attachServices);
  // Per-chat order, and each update handled once: its claim commits with the handler's success.
  bot.use(chatLocks.middleware);
  bot.use(i18n);
  bot.use(
    conversations<BaseContext, ConversationContext>({
      storage: conversationStorage(services.db, services.crypto),
      // Outside middleware does not run inside conversations: install what they need again.
      plugins: [
        async (ctx, next) => {
          ctx.api.config.use(...retry);
          await next();
        },
        attachServices,
        i18n,
      ],
    }),
  );

  const features = bot.errorBoundary(async (err) => {
    // The database or Telegram away is no answer to give the user: the update fails, is not
    // claimed, and is handled again when Telegram (webhook) or the polling loop delivers it again.
    if (isPassingFailure(err.error)) throw err.error;
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
  features.use(
    restartInterrupted(
      new Set([FEEDBACK, REGISTRATION, PROFILE_EDIT, BOOKING, RATE_COMMENT, VISIT_AMOUNT]),
    ),
  );
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

/**
 * getMe, once. Not through bot.init(), which retries network errors forever and so would only
 * ever fail by timing out, hiding why Telegram could not be reached.
 */
export async function loadBotInfo(bot: Bot<BotContext>, signal?: ApiSignal): Promise<void> {
  if (!bot.isInited()) bot.botInfo = await bot.api.getMe(signal);
}

/** The command menu in each language; set once at start-up, not per update. */
export async function setCommands(bot: Bot<BotContext>, signal?: ApiSignal): Promise<void> {
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
      signal,
    );
  }
}
