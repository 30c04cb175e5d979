import type { FastifyPluginAsync } from 'fastify';
import { webhookCallback } from 'grammy';
import type { Crypto } from '../crypto/crypto.js';
import type { Logger } from '../logger.js';
import { type ClienteleBot, setCommands } from './create-bot.js';
import { ALLOWED_UPDATES } from './polling.js';

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
}): FastifyPluginAsync {
  const handle = webhookCallback(opts.clientele.bot, 'fastify', { timeoutMilliseconds: 9_000 });
  return async (app) => {
    app.post(opts.path, async (request, reply) => {
      const given = request.headers['x-telegram-bot-api-secret-token'];
      if (typeof given !== 'string' || !opts.crypto.equalSecrets(given, opts.secret)) {
        opts.logger.warn('webhook call without the right secret token refused');
        return reply.code(401).send({ ok: false });
      }
      return handle(request, reply);
    });
  };
}

export async function registerWebhook(
  clientele: ClienteleBot,
  url: string,
  secret: string,
): Promise<void> {
  await clientele.bot.init();
  await setCommands(clientele.bot);
  await clientele.bot.api.setWebhook(url, {
    secret_token: secret,
    allowed_updates: [...ALLOWED_UPDATES],
    drop_pending_updates: false,
  });
}
