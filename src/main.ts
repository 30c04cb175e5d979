import path from 'node:path';
import type { RunningApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { EmbeddedDatabaseError } from './db/embedded.js';
import { MigrationError } from './db/migrate.js';
import { createLogger } from './logger.js';
import { StartupError } from './runtime.js';

const STARTUP_STOP_GRACE_MS = 30_000;

/** Errors that a person can fix: printed as one line, without a stack trace. */
function isExplained(err: unknown): err is Error {
  return (
    err instanceof ConfigError ||
    err instanceof StartupError ||
    err instanceof EmbeddedDatabaseError ||
    err instanceof MigrationError
  );
}

function fail(err: unknown): never {
  const message = isExplained(err)
    ? err.message
    : `unexpected error: ${err instanceof Error ? err.stack : String(err)}`;
  process.stderr.write(`clientele: ${message}\n`);
  process.exit(1);
}

function printOwnerBox(email: string, password: string, url: string | undefined): void {
  const lines = [
    'First start: an owner account was created for the panel.',
    `  panel:    ${url ? `${url}/admin` : '(web role not running)'}`,
    `  e-mail:   ${email}`,
    `  password: ${password}`,
    'This password is shown once. Log in and keep it safe.',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const bar = `+${'-'.repeat(width + 2)}+`;
  process.stdout.write(`${[bar, ...lines.map((l) => `| ${l.padEnd(width)} |`), bar].join('\n')}\n`);
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    fail(err);
  }
  const logger = createLogger({ level: config.logLevel });

  // Handlers go in before anything starts: the embedded server runs detached, so a signal
  // that killed us during start-up would leave it running. A signal then waits for start-up.
  let app: RunningApp | undefined;
  let stopping: { reason: string; code: number } | undefined;
  const stopAndExit = (running: RunningApp, code: number) => {
    running.stop().then(
      () => {
        logger.info('stopped');
        process.exit(code);
      },
      (err: unknown) => {
        logger.error({ error: String(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  const shutdown = (reason: string, code = 0) => {
    if (stopping) {
      logger.warn({ signal: reason }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = { reason, code };
    logger.info({ signal: reason }, app ? 'stopping' : 'stopping once start-up is done');
    if (app) stopAndExit(app, code);
    else {
      // Start-up waits on nothing outside this machine but the database; should that hang,
      // one signal must still end the process (an embedded server left behind is stopped by
      // the next start).
      setTimeout(() => {
        logger.error(
          { seconds: STARTUP_STOP_GRACE_MS / 1000 },
          'start-up did not finish after the signal: exiting without a clean stop',
        );
        process.exit(1);
      }, STARTUP_STOP_GRACE_MS).unref();
    }
  };
  const describe = (err: unknown) =>
    err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('unhandledRejection', (reason) => {
    logger.error({ error: describe(reason) }, 'unhandled rejection');
    shutdown('unhandledRejection', 1);
  });
  process.on('uncaughtException', (err) => {
    logger.error({ error: describe(err) }, 'uncaught exception');
    shutdown('uncaughtException', 1);
  });

  // AdminJS reads where to bundle its components when it is first imported, so set it first.
  process.env.ADMIN_JS_TMP_DIR ??= path.join(config.dataDir, '.adminjs');
  const { startApp } = await import('./app.js');
  let started: RunningApp;
  try {
    started = await startApp(config, logger);
  } catch (err) {
    fail(err);
  }
  app = started;
  // Printed even when stopping: the owner exists now and will not be offered again.
  if (app.initialOwner) printOwnerBox(app.initialOwner.email, app.initialOwner.password, app.url);
  if (stopping) {
    stopAndExit(app, stopping.code);
    return;
  }
  if (app.url) logger.info({ panel: `${app.url}/admin` }, 'Clientele is running');
}

await main();
