import { run } from '@grammyjs/runner';
import type { Logger } from '../logger.js';
import { type ClienteleBot, setCommands } from './create-bot.js';

export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

/** Long polling for development and single-machine installs, with concurrent chats. */
export async function startPolling(
  { bot, inFlight }: ClienteleBot,
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  await bot.init();
  await bot.api.deleteWebhook();
  await setCommands(bot);
  const runner = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
  logger.info({ username: bot.botInfo.username }, 'bot started (long polling)');
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        if (runner.isRunning()) await runner.stop();
        await inFlight.drain();
        logger.info('bot stopped');
      })();
      return stopping;
    },
  };
}
