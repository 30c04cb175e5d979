import { ArchiveError } from '../backup/archive-format.js';
import { BackupNameError } from '../backup/backup-folder.js';
import { BackupKeyError, BackupKeys } from '../backup/backup-keys.js';
import { BackupError } from '../backup/create-backup.js';
import { RestoreRefusedError } from '../backup/restore-backup.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { EmbeddedDatabaseError } from '../db/embedded.js';
import { createLogger, type Logger } from '../logger.js';
import { connectDatabase, StartupError } from '../runtime.js';
import { UsageError } from './run-cli.js';

const EXPLAINED = [
  ConfigError,
  StartupError,
  EmbeddedDatabaseError,
  UsageError,
  ArchiveError,
  BackupKeyError,
  BackupError,
  BackupNameError,
  RestoreRefusedError,
];

/**
 * Backup and restore reach the database without migrating it (openRuntime would): a backup
 * taken before an upgrade must hold the old schema, and restore needs the database as it is.
 * Known errors end in one line on stderr and exit code 1; anything else prints its stack, 2.
 */
export async function runBackupTool(
  name: string,
  task: (ctx: {
    config: Config;
    logger: Logger;
    url: string;
    keys: BackupKeys;
    args: string[];
  }) => Promise<void>,
): Promise<void> {
  let stop: (() => Promise<void>) | undefined;
  try {
    const config = loadConfig();
    const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name }, process.stderr);
    const keys = await BackupKeys.fromMasterKeys(config.keys.current, config.keys.previous);
    const { url, embedded } = await connectDatabase(config, logger);
    stop = embedded ? () => embedded.stop() : undefined;
    await task({ config, logger, url, keys, args: process.argv.slice(2) });
    await stop?.();
  } catch (err) {
    await stop?.().catch(() => undefined);
    const known = EXPLAINED.some((type) => err instanceof type);
    const pgMessage = (err as { code?: unknown }).code ? (err as Error).message : undefined;
    process.stderr.write(
      `${name}: ${known || pgMessage ? (err as Error).message.split('\n')[0] : err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(known || pgMessage ? 1 : 2);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
