import { createHash } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import {
  encodeRecord,
  encryptArchive,
  FORMAT_VERSION,
  MAX_RECORD_BYTES,
} from './archive-format.js';
import type { BackupKeys } from './backup-keys.js';
import {
  dependencyOrder,
  quoteIdent,
  readForeignKeys,
  readTables,
  type TableShape,
} from './catalog.js';
import { copyOut } from './pg-copy.js';

/**
 * A backup through SQL alone (no pg_dump: the embedded server ships none, and a system one may
 * be older than the server): one REPEATABLE READ, READ ONLY transaction gives every table the
 * same snapshot; each table goes out with `COPY … TO STDOUT` (text format, which any server
 * version reads back) in the order of its foreign keys; bytes stream from the socket through
 * gzip and encryption to the file, so memory stays flat whatever the size of the base.
 * The schema itself is not copied: restore rebuilds it from our migrations at the archive's
 * schema version, then migrates up.
 */

export interface Preamble {
  app: 'clientele';
  format: number;
  createdAt: string;
  /** The latest migration applied: the schema version. */
  schemaVersion: string;
  migrations: string[];
  server: string;
  tables: TableShape[];
  /** Each sequence's last value at the snapshot (null: never used). */
  sequences: { name: string; value: string | null }[];
}

export interface TableSummary {
  name: string;
  rows: number;
  sha256: string;
}

export interface Manifest {
  schemaVersion: string;
  tables: TableSummary[];
}

export type Progress = (event: { table: string; rows: number; done: number; of: number }) => void;

async function readMigrations(client: pg.ClientBase): Promise<string[]> {
  try {
    const { rows } = await client.query<{ name: string }>(
      'SELECT name FROM kysely_migration ORDER BY name',
    );
    return rows.map((r) => r.name);
  } catch {
    throw new BackupError('this database has no Clientele schema (no kysely_migration table)');
  }
}

export class BackupError extends Error {
  override name = 'BackupError';
}

/** Writes an archive of the whole database to `output`; returns what it holds. */
export async function writeBackup(opts: {
  pool: pg.Pool;
  keys: BackupKeys;
  output: Writable;
  onProgress?: Progress;
  clock?: () => Date;
}): Promise<Manifest> {
  const client = await opts.pool.connect();
  let manifest: Manifest | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const migrations = await readMigrations(client);
    const shapes = await readTables(client);
    const order = dependencyOrder(
      shapes.map((t) => t.name),
      await readForeignKeys(client),
    );
    const byName = new Map(shapes.map((t) => [t.name, t]));
    const tables = order.map((name) => byName.get(name)!);
    const { rows: sequences } = await client.query<{ name: string; value: string | null }>(
      `SELECT sequencename AS name, last_value::text AS value
         FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
    );
    const { rows: version } = await client.query<{ v: string }>('SHOW server_version');
    const preamble: Preamble = {
      app: 'clientele',
      format: FORMAT_VERSION,
      createdAt: (opts.clock?.() ?? new Date()).toISOString(),
      schemaVersion: migrations.at(-1) ?? '',
      migrations,
      server: version[0]?.v ?? '',
      tables,
      sequences,
    };

    async function* records(): AsyncGenerator<Buffer> {
      yield encodeRecord('preamble', preamble);
      const summaries: TableSummary[] = [];
      for (const [i, table] of tables.entries()) {
        yield encodeRecord('table', { name: table.name, columns: table.columns });
        const hash = createHash('sha256');
        const columns = table.columns.map(quoteIdent).join(', ');
        const copy = copyOut(client, `COPY ${quoteIdent(table.name)} (${columns}) TO STDOUT`);
        // The server sends a row per message: gather them into records of up to 256 KiB.
        let batch: Buffer[] = [];
        let size = 0;
        for await (const chunk of copy as AsyncIterable<Buffer>) {
          hash.update(chunk);
          if (size + chunk.length > MAX_RECORD_BYTES / 4 && size > 0) {
            yield encodeRecord('data', Buffer.concat(batch, size));
            batch = [];
            size = 0;
          }
          if (chunk.length > MAX_RECORD_BYTES) {
            for (let at = 0; at < chunk.length; at += MAX_RECORD_BYTES)
              yield encodeRecord('data', chunk.subarray(at, at + MAX_RECORD_BYTES));
          } else {
            batch.push(chunk);
            size += chunk.length;
          }
        }
        if (size > 0) yield encodeRecord('data', Buffer.concat(batch, size));
        const summary = { name: table.name, rows: copy.rows, sha256: hash.digest('hex') };
        summaries.push(summary);
        yield encodeRecord('end', { rows: summary.rows, sha256: summary.sha256 });
        opts.onProgress?.({ table: table.name, rows: copy.rows, done: i + 1, of: tables.length });
      }
      manifest = { schemaVersion: preamble.schemaVersion, tables: summaries };
      yield encodeRecord('manifest', manifest);
    }

    await pipeline(
      Readable.from(records()),
      createGzip({ level: 6 }),
      encryptArchive(opts.keys),
      opts.output,
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(err instanceof Error ? err : true);
    throw err;
  }
  client.release();
  return manifest!;
}
