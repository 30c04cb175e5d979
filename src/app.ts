import type { FastifyInstance } from 'fastify';
import { clientCard } from './admin/client-card.js';
import { metricsPlugin } from './admin/metrics.js';
import { buildServer } from './admin/server.js';
import { type ClienteleBot, createBot } from './bot/create-bot.js';
import { startPolling } from './bot/polling.js';
import { createWebhookPlugin, registerWebhook, webhookPath } from './bot/webhook.js';
import type { Config } from './config.js';
import { setSetting } from './domain/settings.js';
import { housekeepingJob } from './jobs/housekeeping.js';
import { type Dispatcher, startDispatcher } from './jobs/outbox-dispatcher.js';
import { agendasJob, campaignsJob, remindersJob } from './jobs/scheduled-jobs.js';
import { type Jobs, startJobs } from './jobs/start-jobs.js';
import type { Logger } from './logger.js';
import { openRuntime, StartupError } from './runtime.js';

export interface RunningApp {
  /** The panel's address when the web role runs. */
  url: string | undefined;
  /** The owner's one-time password, on the very first start only. */
  initialOwner: { email: string; password: string } | null;
  stop(): Promise<void>;
}

/** Starts what config.roles names, on one runtime; stop() undoes it in the safe order. */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const roles = config.roles;
  if (
    config.bot.enabled &&
    config.bot.mode === 'webhook' &&
    roles.has('bot') &&
    !roles.has('web')
  ) {
    throw new StartupError(
      'ROLES: webhook mode receives updates over HTTP, so the bot role needs the web role in the same process',
    );
  }
  const runtime = await openRuntime(config, logger);
  const { database, crypto, clients, staff, messages, referrals, registration } = runtime;
  const db = database.db;
  let server: FastifyInstance | undefined;
  let polling: { stop(): Promise<void> } | undefined;
  let clientele: ClienteleBot | undefined;
  let jobs: Jobs | undefined;
  let dispatcher: Dispatcher | undefined;
  let initialOwner: RunningApp['initialOwner'] = null;

  const stop = async () => {
    await polling?.stop();
    await jobs?.stop();
    await dispatcher?.stop();
    await server?.close();
    if (clientele && !polling) await clientele.inFlight.drain();
    await runtime.close();
  };

  try {
    if (roles.has('bot') && config.bot.enabled) {
      clientele = createBot({
        token: config.bot.token,
        apiRoot: config.bot.apiRoot,
        db,
        crypto,
        clients,
        messages,
        referrals,
        registration,
        staff,
        cards: runtime.cards,
        loyalty: runtime.loyalty,
        booking: runtime.booking,
        visits: runtime.visits,
        clock: runtime.clock,
        logger,
      });
    } else if (roles.has('bot')) {
      logger.info(
        'the Telegram bot is off: set BOT_TOKEN (and BOT_API_ROOT for a self-hosted Bot API server) to turn it on',
      );
    }
    const webhook =
      clientele && config.bot.enabled && config.bot.mode === 'webhook'
        ? { path: webhookPath(crypto, config.bot.token), secret: config.bot.webhookSecret ?? '' }
        : undefined;

    if (roles.has('web')) {
      initialOwner = await staff.ensureInitialOwner();
      server = await buildServer({
        config,
        logger,
        db,
        crypto,
        clients,
        messages: runtime.messages,
        cards: runtime.cards,
        catalogue: runtime.catalogue,
        booking: runtime.booking,
        visits: runtime.visits,
        loyalty: runtime.loyalty,
        clientCard: clientCard({ ...runtime, db }),
        staff,
        ...(config.metricsToken
          ? { metrics: metricsPlugin({ db, crypto, token: config.metricsToken }) }
          : {}),
        ...(clientele && webhook
          ? {
              webhook: createWebhookPlugin({
                clientele,
                path: webhook.path,
                secret: webhook.secret,
                crypto,
                logger,
              }),
            }
          : {}),
      });
      await server.listen({ port: config.http.port, host: config.http.host });
    }
    if (clientele && webhook && config.http.publicUrl) {
      await registerWebhook(
        clientele,
        `${config.http.publicUrl.replace(/\/$/, '')}${webhook.path}`,
        webhook.secret,
      );
      logger.info('bot started (webhook)');
    } else if (clientele) {
      polling = await startPolling(clientele, logger);
    }
    // The panel shows sources' deep links with the bot's name, known once the bot has started.
    if (clientele) await setSetting(db, 'bot.username', clientele.bot.botInfo.username);
    if (roles.has('jobs')) {
      jobs = startJobs({
        db,
        logger,
        jobs: [
          housekeepingJob(db),
          remindersJob(runtime.visits, runtime.clock),
          agendasJob(runtime.visits, runtime.clock),
          campaignsJob(runtime.campaigns, runtime.clock),
        ],
      });
      if (config.bot.enabled) {
        dispatcher = startDispatcher({
          db,
          crypto,
          logger,
          token: config.bot.token,
          apiRoot: config.bot.apiRoot,
          ratePerSecond: config.outboxRate,
        });
      }
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  const address = server?.server.address();
  const url =
    address && typeof address === 'object'
      ? `http://${address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address}:${address.port}`
      : undefined;
  return { url, initialOwner, stop };
}
