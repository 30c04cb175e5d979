import type { FastifyInstance } from 'fastify';
import { BackupKeys } from './backup/backup-keys.js';
import { BackupService } from './backup/backup-service.js';
import { type ChatLocks, createChatLocks } from './bot/chat-lock.js';
import { type ClienteleBot, createBot } from './bot/create-bot.js';
import { preparePolling, runPolling } from './bot/polling.js';
import { apiSignal, type BackgroundStart, startInBackground } from './bot/start-in-background.js';
import { createWebhookPlugin, registerWebhook, webhookPath } from './bot/webhook.js';
import type { Config } from './config.js';
import { setSetting } from './domain/settings.js';
import { backupJob } from './jobs/backup-job.js';
import { housekeepingJob } from './jobs/housekeeping.js';
import { type Dispatcher, startDispatcher } from './jobs/outbox-dispatcher.js';
import { agendasJob, analyticsJob, greetingsJob, remindersJob } from './jobs/scheduled-jobs.js';
import { type Jobs, startJobs } from './jobs/start-jobs.js';
import type { Logger } from './logger.js';
import { openRuntime, StartupError } from './runtime.js';
import { type Sandbox, sandboxBotConfig, startSandbox } from './sandbox/start-sandbox.js';

export interface RunningApp {
  /** The panel's address when the web role runs. */
  url: string | undefined;
  /** The owner's one-time password, on the very first start only. */
  initialOwner: { email: string; password: string } | null;
  /** The Telegram sandbox, when it runs (no BOT_TOKEN; bot and web in this process). */
  sandbox: Sandbox | undefined;
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
  const backups = new BackupService({
    db,
    pool: database.pool,
    keys: await BackupKeys.fromMasterKeys(config.keys.current, config.keys.previous),
    dir: config.backup.dir,
  });
  let server: FastifyInstance | undefined;
  let polling: { stop(): Promise<void> } | undefined;
  let botStart: BackgroundStart | undefined;
  let clientele: ClienteleBot | undefined;
  let chatLocks: ChatLocks | undefined;
  let jobs: Jobs | undefined;
  let dispatcher: Dispatcher | undefined;
  let initialOwner: RunningApp['initialOwner'] = null;
  let sandbox: Sandbox | undefined;

  const stop = async () => {
    await botStart?.stop();
    await polling?.stop();
    await jobs?.stop();
    await dispatcher?.stop();
    await server?.close();
    if (clientele && !polling) await clientele.inFlight.drain();
    await chatLocks?.close();
    await sandbox?.close();
    await runtime.close();
  };

  try {
    // The Telegram sandbox (no BOT_TOKEN): a local Bot API in this process stands in for
    // Telegram, so the bot and the outbox below run unchanged against it. Its web chat needs
    // the web role and its wake-ups are in memory, so it runs where bot and web run together.
    if (config.sandbox.enabled && roles.has('bot') && roles.has('web')) {
      sandbox = await startSandbox({ db, crypto, staff, logger });
      config = { ...config, bot: sandboxBotConfig(sandbox.api) };
      logger.info('no BOT_TOKEN: the bot runs in the sandbox; try it at /sandbox in the panel');
    }
    if (roles.has('bot') && config.bot.enabled) {
      chatLocks = createChatLocks(database.pool);
      clientele = createBot({
        chatLocks,
        apiTimeoutSeconds: config.botApiTimeoutSeconds,
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
      // The panel (AdminJS and its bundler) is the largest thing loaded: only the web role does.
      const [{ buildServer }, { clientCardReader }, { metricsPlugin }] = await Promise.all([
        import('./admin/web/server.js'),
        import('./admin/panel/actions/client-card.js'),
        import('./admin/web/metrics.js'),
      ]);
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
        clientCard: clientCardReader({ ...runtime, db }),
        staff,
        backups,
        ...(sandbox ? { sandbox } : {}),
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
                isUp: () => botStart?.isUp() ?? false,
              }),
            }
          : {}),
        waitingFor: () => (botStart && !botStart.isUp() ? ['bot'] : []),
      });
      await server.listen({ port: config.http.port, host: config.http.host });
    }
    // Telegram being away must not hold the panel, the jobs or the owner's password: the bot
    // connects in the background, retrying, and /readyz says 'bot' until it is up.
    if (clientele) {
      const bot = clientele;
      const webhookUrl =
        webhook && config.http.publicUrl
          ? `${config.http.publicUrl.replace(/\/$/, '')}${webhook.path}`
          : undefined;
      botStart = startInBackground({
        mode: webhookUrl ? 'webhook' : 'long polling',
        logger,
        attempt: async (signal) => {
          if (webhookUrl && webhook)
            await registerWebhook(bot, webhookUrl, webhook.secret, apiSignal(signal));
          else await preparePolling(bot, apiSignal(signal));
          // The panel shows sources' deep links with the bot's name, known once it has started.
          await setSetting(db, 'bot.username', bot.bot.botInfo.username);
        },
        onUp: () => {
          if (webhookUrl) logger.info('bot started (webhook)');
          else
            polling = runPolling(bot, logger, {
              longPollSeconds: Math.min(30, Math.floor(config.botApiTimeoutSeconds / 2)),
            });
        },
      });
    }
    if (roles.has('jobs')) {
      jobs = startJobs({
        db,
        logger,
        clock: runtime.clock,
        jobs: [
          housekeepingJob(db, runtime.clock),
          remindersJob(runtime.visits, runtime.clock),
          agendasJob(runtime.visits, runtime.clock),
          greetingsJob(runtime.greetings, runtime.clock),
          analyticsJob(db, runtime.clock),
          backupJob({ db, backups, hour: config.backup.hour, keep: config.backup.keep }),
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
          callTimeoutSeconds: Math.min(30, config.botApiTimeoutSeconds),
        });
        logger.info('outbox dispatcher started');
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
  return { url, initialOwner, sandbox, stop };
}
