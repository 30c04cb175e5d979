import { createHash } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Kysely, type MigrationProvider, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrations as knownMigrations } from '../../db/migrations/index.js';
import {
  ArchiveError,
  type ArchiveRecord,
  decryptArchive,
  parseJson,
  readRecords,
} from './archive-format.js';
import type { BackupKeys } from './backup-keys.js';
import { quoteIdent, readForeignKeys, readTables, tablesWithRows } from './catalog.js';
import type { Manifest, Preamble, Progress, TableSummary } from './create-backup.js';
import { copyIn } from './pg-copy.js';

/**
 * Restore into an empty database (or, told to replace, into one whose contents go), all in one
 * transaction, so a damaged archive or a failed check leaves the database as it was:
 * the public schema is recreated, our migrations build it up to the archive's schema version,
 * each table is loaded with `COPY … FROM STDIN` in the archive's order (checks of foreign keys
 * that point forward, where tables refer to each other, are deferred to the end), its row count
 * and SHA-256 compared with the archive's, sequences set, and the schema migrated up to this
 * program's latest. An archive from a newer schema than this program knows is refused before
 * anything is touched.
 */

export class RestoreRefusedError extends Error {
  override name = 'RestoreRefusedError';
}

const provider: MigrationProvider = { getMigrations: async () => knownMigrations };

function checkSchema(preamble: Preamble): void {
  if (preamble.app !== 'clientele' || !Array.isArray(preamble.migrations))
    throw new ArchiveError('the archive is damaged (no schema version)');
  const known = Object.keys(knownMigrations).sort();
  const unknown = preamble.migrations.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new RestoreRefusedError(
      `the archive's schema (${preamble.schemaVersion}) is newer than this program knows (latest ${known.at(-1)}): restore it with the Clientele version that made it, or a newer one`,
    );
  }
  if (preamble.migrations.some((m, i) => known[i] !== m)) {
    throw new RestoreRefusedError(
      `the archive's migrations (${preamble.schemaVersion}) do not match this program's history`,
    );
  }
}

/** A Kysely over one client, so the migrator runs inside our transaction. */
function kyselyOn(client: pg.Client): Kysely<unknown> {
  const single = Object.assign(client, { release() {} });
  return new Kysely({
    dialect: new PostgresDialect({
      pool: { connect: async () => single, end: async () => undefined },
    }),
  });
}

async function migrate(db: Kysely<unknown>, target: string | 'latest'): Promise<void> {
  const migrator = new Migrator({ db, provider, disableTransactions: true });
  const { error, results } =
    target === 'latest' ? await migrator.migrateToLatest() : await migrator.migrateTo(target);
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new RestoreRefusedError(
      `migration${failed ? ` ${failed.migrationName}` : ''} failed during restore: ${reason}`,
    );
  }
}

export interface RestoreResult {
  schemaVersion: string;
  migratedTo: string;
  tables: TableSummary[];
}

export async function restoreBackup(opts: {
  url: string;
  keys: BackupKeys;
  input: Readable;
  replace?: boolean;
  onProgress?: Progress;
}): Promise<RestoreResult> {
  let streamError: Error | undefined;
  const plain = pipeline(opts.input, decryptArchive(opts.keys), createGunzip(), (err) => {
    if (err) streamError = err;
  });
  const records = readRecords(plain as AsyncIterable<Buffer>);
  const next = async (): Promise<ArchiveRecord> => {
    let result: IteratorResult<ArchiveRecord>;
    try {
      result = await records.next();
    } catch (err) {
      throw translate(streamError ?? err);
    }
    if (result.done) throw translate(streamError ?? new ArchiveError('the archive is incomplete'));
    return result.value;
  };

  const client = new pg.Client({ connectionString: opts.url });
  let began = false;
  try {
    // The header, the key and the schema version are checked before the database is touched.
    const preamble = parseJson<Preamble>(await next(), 'preamble');
    checkSchema(preamble);
    await client.connect();
    const occupied = await tablesWithRows(client);
    if (occupied.length > 0 && !opts.replace) {
      throw new RestoreRefusedError(
        `the database is not empty (${occupied.length} tables hold rows, such as ${occupied.slice(0, 3).join(', ')}): restore into an empty database, or pass --replace to drop everything in it first`,
      );
    }
    await client.query('BEGIN');
    began = true;
    const { rows: existing } = await client.query(
      `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' LIMIT 1`,
    );
    if (existing.length > 0) {
      await client.query('DROP SCHEMA public CASCADE');
      await client.query('CREATE SCHEMA public');
    }
    const db = kyselyOn(client);
    if (preamble.schemaVersion) await migrate(db, preamble.schemaVersion);

    // Foreign keys pointing at a table that arrives later are checked at the end instead.
    const position = new Map(preamble.tables.map((t, i) => [t.name, i]));
    const forward = (await readForeignKeys(client)).filter(
      (k) =>
        k.table !== k.references &&
        (position.get(k.references) ?? -1) > (position.get(k.table) ?? -1),
    );
    for (const k of forward) {
      await client.query(
        `ALTER TABLE ${quoteIdent(k.table)} ALTER CONSTRAINT ${quoteIdent(k.constraint)} DEFERRABLE INITIALLY DEFERRED`,
      );
    }
    const present = new Set((await readTables(client)).map((t) => t.name));
    // Migrations seed rows (templates, rules); the archive's rows replace them.
    if (present.size > 0)
      await client.query(`TRUNCATE ${[...present].map(quoteIdent).join(', ')} RESTART IDENTITY`);
    const loaded: TableSummary[] = [];
    for (const [i, shape] of preamble.tables.entries()) {
      const start = parseJson<{ name: string; columns: string[] }>(await next(), 'table');
      if (start.name !== shape.name) throw new ArchiveError('the archive is damaged (table order)');
      if (!present.has(shape.name)) {
        throw new RestoreRefusedError(
          `the archive has a table ${shape.name} that schema ${preamble.schemaVersion} does not have`,
        );
      }
      const columns = shape.columns.map(quoteIdent).join(', ');
      const copy = copyIn(client, `COPY ${quoteIdent(shape.name)} (${columns}) FROM STDIN`);
      const hash = createHash('sha256');
      let record = await next();
      try {
        while (record.type === 'data') {
          hash.update(record.payload);
          await copy.write(record.payload);
          record = await next();
        }
      } catch (err) {
        // Leave the COPY so the connection can roll back.
        await copy.end().catch(() => undefined);
        throw err;
      }
      let rows: number;
      try {
        rows = await copy.end();
      } catch (err) {
        throw new RestoreRefusedError(`table ${shape.name}: ${firstLine(err)}`);
      }
      const end = parseJson<{ rows: number; sha256: string }>(record, 'end');
      const sha256 = hash.digest('hex');
      if (sha256 !== end.sha256 || rows !== end.rows) {
        throw new ArchiveError(
          `the archive is damaged: table ${shape.name} does not match its checksum or row count`,
        );
      }
      loaded.push({ name: shape.name, rows, sha256 });
      opts.onProgress?.({ table: shape.name, rows, done: i + 1, of: preamble.tables.length });
    }
    const manifest = parseJson<Manifest>(await next(), 'manifest');
    const same = (a: TableSummary, b: TableSummary | undefined) =>
      a.name === b?.name && a.rows === b.rows && a.sha256 === b.sha256;
    if (
      manifest.tables.length !== loaded.length ||
      !loaded.every((t, i) => same(t, manifest.tables[i]))
    )
      throw new ArchiveError('the archive is damaged: its manifest does not match its tables');
    // Reading on to the end proves nothing follows the manifest and the file is whole.
    let trailing: IteratorResult<ArchiveRecord>;
    try {
      trailing = await records.next();
    } catch (err) {
      throw translate(streamError ?? err);
    }
    if (!trailing.done || streamError)
      throw translate(
        streamError ?? new ArchiveError('the archive is damaged (data after its end)'),
      );

    for (const s of preamble.sequences) {
      if (s.value === null) continue;
      await client.query('SELECT setval($1::regclass, $2::bigint, true)', [
        quoteIdent(s.name),
        s.value,
      ]);
    }
    try {
      await client.query('SET CONSTRAINTS ALL IMMEDIATE');
    } catch (err) {
      throw new RestoreRefusedError(`the archive's rows break a reference: ${firstLine(err)}`);
    }
    for (const k of forward) {
      await client.query(
        `ALTER TABLE ${quoteIdent(k.table)} ALTER CONSTRAINT ${quoteIdent(k.constraint)} NOT DEFERRABLE`,
      );
    }
    await migrate(db, 'latest');
    const { rows: latest } = await client.query<{ name: string }>(
      'SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1',
    );
    await client.query('COMMIT');
    return {
      schemaVersion: preamble.schemaVersion,
      migratedTo: latest[0]?.name ?? '',
      tables: loaded,
    };
  } catch (err) {
    if (began) await client.query('ROLLBACK').catch(() => undefined);
    throw translate(err);
  } finally {
    opts.input.destroy();
    await client.end().catch(() => undefined);
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}

/** zlib's errors become the one line a person needs; ours and PostgreSQL's pass as they are. */
function translate(err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_'))
    return new ArchiveError('the archive is damaged (its compressed data is unreadable)');
  return err instanceof Error ? err : new Error(String(err));
}
