import path from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { EmbeddedDatabaseError } from './db/embedded.js';
import { MigrationError } from './db/migrate.js';
import { createLogger } from './logger.js';
import { StartupError } from './runtime.js';

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
  // AdminJS reads where to bundle its components when it is first imported, so set it first.
  process.env.ADMIN_JS_TMP_DIR ??= path.join(config.dataDir, '.adminjs');
  const { startApp } = await import('./app.js');
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(config, logger);
  } catch (err) {
    fail(err);
  }
  if (app.initialOwner) printOwnerBox(app.initialOwner.email, app.initialOwner.password, app.url);
  if (app.url) logger.info({ panel: `${app.url}/admin` }, 'Clientele is running');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    app.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ error: String(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('unhandledRejection', (reason) => {
    logger.error(
      { error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason) },
      'unhandled rejection',
    );
    shutdown('unhandledRejection');
  });
}

await main();
