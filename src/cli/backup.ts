import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { BackupFolder } from '../backup/backup-folder.js';
import { writeBackup } from '../backup/create-backup.js';
import { formatBytes, runBackupTool } from './run-backup-tool.js';
import { UsageError } from './run-cli.js';

// npm run backup [-- <folder or file>]: one encrypted archive of the whole database, written to
// BACKUP_DIR (default DATA_DIR/backups), a given folder, or a given file name.
await runBackupTool('backup', async ({ config, url, keys, args }) => {
  if (args.length > 1 || args.some((a) => a.startsWith('-')))
    throw new UsageError('usage: npm run backup [-- <folder or file>]');
  const started = Date.now();
  const progress = (p: { table: string; rows: number; done: number; of: number }) =>
    process.stderr.write(`backup: ${p.done}/${p.of} ${p.table}: ${p.rows} rows\n`);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  let target: string;
  let summary: { tables: number; rows: number };
  try {
    const given = args[0];
    const isFolder = given === undefined || (await stat(given).catch(() => null))?.isDirectory();
    if (isFolder) {
      const file = await new BackupFolder(path.resolve(given ?? config.backup.dir)).create(
        new Date(),
        (output) => writeBackup({ pool, keys, output, onProgress: progress }),
      );
      target = path.join(path.resolve(given ?? config.backup.dir), file.name);
      summary = totals(file.result.tables);
    } else {
      target = path.resolve(given);
      await mkdir(path.dirname(target), { recursive: true });
      const partial = `${target}.partial`;
      try {
        const manifest = await writeBackup({
          pool,
          keys,
          output: createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
          onProgress: progress,
        });
        await rename(partial, target);
        summary = totals(manifest.tables);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
    }
  } finally {
    await pool.end();
  }
  const { size } = await stat(target);
  process.stdout.write(
    `backup written: ${target} (${formatBytes(size)}, ${summary.tables} tables, ${summary.rows} rows, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
});

function totals(tables: { rows: number }[]) {
  return { tables: tables.length, rows: tables.reduce((sum, t) => sum + t.rows, 0) };
}
