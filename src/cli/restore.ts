import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { restoreBackup } from '../backup/restore-backup.js';
import { runBackupTool } from './run-backup-tool.js';
import { UsageError } from './run-cli.js';

// npm run restore -- <file> [--replace]: the archive into an empty database; --replace drops
// everything the database holds first (in the same transaction: a failed restore keeps it).
await runBackupTool('restore', async ({ config, url, keys, args }) => {
  // A key generated just now cannot open any backup, and left in DATA_DIR it would be taken for
  // the key of the restored data.
  if (config.keys.generatedFile) {
    await rm(config.keys.generatedFile, { force: true });
    throw new UsageError(
      'no master key is configured: give the key the backup was made with in CLIENTELE_MASTER_KEY or CLIENTELE_KEY_FILE',
    );
  }
  const replace = args.includes('--replace');
  const files = args.filter((a) => a !== '--replace');
  if (files.length !== 1 || files[0]!.startsWith('-'))
    throw new UsageError('usage: npm run restore -- <file> [--replace]');
  const file = files[0]!;
  if (!(await stat(file).catch(() => null))?.isFile())
    throw new UsageError(`no such file: ${file}`);
  const started = Date.now();
  const result = await restoreBackup({
    url,
    keys,
    input: createReadStream(file),
    replace,
    onProgress: (p) =>
      process.stderr.write(`restore: ${p.done}/${p.of} ${p.table}: ${p.rows} rows\n`),
  });
  const rows = result.tables.reduce((sum, t) => sum + t.rows, 0);
  const schema =
    result.migratedTo === result.schemaVersion
      ? `schema ${result.schemaVersion}`
      : `schema ${result.schemaVersion}, migrated up to ${result.migratedTo}`;
  process.stdout.write(
    `restored ${file}: ${result.tables.length} tables, ${rows} rows, ${schema}, checksums match (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
});
