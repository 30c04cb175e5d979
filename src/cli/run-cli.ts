import { type Config, ConfigError, loadConfig } from '../config.js';
import { EmbeddedDatabaseError } from '../db/embedded.js';
import { MigrationError } from '../db/migrate.js';
import { DomainError } from '../domain/errors.js';
import { createLogger, type Logger } from '../logger.js';
import { openRuntime, type Runtime, StartupError } from '../runtime.js';

/** Runs a command-line tool on the configured database; known errors end in one line, exit 1. */
export async function runCli(
  name: string,
  task: (ctx: {
    config: Config;
    logger: Logger;
    runtime: Runtime;
    args: string[];
  }) => Promise<void>,
): Promise<void> {
  let runtime: Runtime | undefined;
  try {
    const config = loadConfig();
    // Logs go to stderr so that what the tool prints (passwords, counts) stands alone.
    const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name }, process.stderr);
    runtime = await openRuntime(config, logger);
    await task({ config, logger, runtime, args: process.argv.slice(2) });
    await runtime.close();
  } catch (err) {
    await runtime?.close().catch(() => undefined);
    const known =
      err instanceof ConfigError ||
      err instanceof StartupError ||
      err instanceof EmbeddedDatabaseError ||
      err instanceof MigrationError ||
      err instanceof DomainError ||
      err instanceof UsageError;
    process.stderr.write(
      `${name}: ${known ? err.message : err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  }
}

export class UsageError extends Error {
  override name = 'UsageError';
}
