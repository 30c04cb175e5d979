import type { FastifyPluginAsync } from 'fastify';
import { webhookCallback } from 'grammy';
import type { Crypto } from '../crypto/crypto.js';
import type { Logger } from '../logger.js';
import { type ClienteleBot, loadBotInfo, setCommands } from './create-bot.js';
import { ALLOWED_UPDATES } from './polling.js';
import type { ApiSignal } from './start-in-background.js';

/** A path that does not reveal the token, stable for one token and key. */
export function webhookPath(crypto: Crypto, token: string): string {
  return `/telegram/${crypto.lookupHash('webhook-path', token).slice(0, 24)}`;
}

/**
 * The webhook endpoint on the panel's Fastify server. The secret header is checked here, in
 * constant time, before grammY sees the body; a wrong or missing one gets 401 and nothing runs.
 */
export function createWebhookPlugin(opts: {
  clientele: ClienteleBot;
  path: string;
  secret: string;
  crypto: Crypto;
  logger: Logger;
  /**
   * False until the bot has started (absent: the caller started it); Telegram then gets 503
   * and delivers the update again later.
   */
  isUp?: () => boolean;
}): FastifyPluginAsync {
  const handle = webhookCallback(opts.clientele.bot, 'fastify', { timeoutMilliseconds: 9_000 });
  return async (app) => {
    app.post(opts.path, async (request, reply) => {
      const given = request.headers['x-telegram-bot-api-secret-token'];
      if (typeof given !== 'string' || !opts.crypto.equalSecrets(given, opts.secret)) {
        opts.logger.warn('webhook call without the right secret token refused');
        return reply.code(401).send({ ok: false });
      }
      // Without this, grammY would call getMe first and hold the request while Telegram is away.
      if (opts.isUp && !opts.isUp())
        return reply.code(503).header('retry-after', '10').send({ ok: false });
      return handle(request, reply);
    });
  };
}

export async function registerWebhook(
  clientele: ClienteleBot,
  url: string,
  secret: string,
  signal?: ApiSignal,
): Promise<void> {
  await loadBotInfo(clientele.bot, signal);
  await setCommands(clientele.bot, signal);
  await clientele.bot.api.setWebhook(
    url,
    { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: false },
    signal,
  );
}
