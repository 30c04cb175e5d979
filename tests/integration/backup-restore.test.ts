import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../db/migrations/index.js';
import { ArchiveError } from '../../src/backup/archive-format.js';
import { BackupFolder } from '../../src/backup/backup-folder.js';
import { BackupKeyError, BackupKeys } from '../../src/backup/backup-keys.js';
import { writeBackup } from '../../src/backup/create-backup.js';
import { RestoreRefusedError, restoreBackup } from '../../src/backup/restore-backup.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import { createDatabase } from '../../src/db/connect.js';
import { ClientService } from '../../src/domain/clients/client-service.js';
import { readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { createServices } from '../../src/runtime.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { populateSalon } from '../helpers/populate-salon.js';
import { SYSTEM } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const LATEST = Object.keys(migrations).sort().at(-1)!;

/** A database with nothing in it at all (createTestDatabase migrates; restore must not need it). */
async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `clientele_bkempty_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

const DATA_TABLES = `SELECT table_name AS name FROM information_schema.tables
  WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
    AND table_name NOT IN ('kysely_migration', 'kysely_migration_lock') ORDER BY 1`;

/** Per table: row count and a digest of every row's text, in a stable order. */
async function fingerprint(url: string): Promise<Record<string, string>> {
  const tables = await query<{ name: string }>(url, DATA_TABLES);
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await query<{ n: string; digest: string | null }>(
      url,
      `SELECT count(*) AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS digest FROM "${name}" t`,
    );
    out[name] = `${row?.n}:${row?.digest}`;
  }
  return out;
}

async function backupTo(file: string, pool: pg.Pool, keys: BackupKeys) {
  return writeBackup({ pool, keys, output: createWriteStream(file) });
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect((err as Error).message).not.toContain('\n');
    return err as Error;
  }
  throw new Error('expected the restore to be refused');
}

describe('backup and restore', () => {
  let source: TestDatabase;
  let crypto: Crypto;
  let keys: BackupKeys;
  const masterKey = new Uint8Array(randomBytes(32));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clientele-backup-'));
  const archive = path.join(dir, 'salon.backup');
  let people: Awaited<ReturnType<typeof populateSalon>>;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    source = await createTestDatabase('bksrc');
    crypto = await testCrypto({ masterKey });
    keys = await BackupKeys.fromMasterKeys(masterKey);
    const services = createServices({ db: source.db, crypto, logger: silentLogger });
    people = await populateSalon({ ...services, crypto }, source.db);
    // Bulk rows with multi-byte text: COPY data then spans many socket reads and messages.
    await query(
      source.url,
      `INSERT INTO audit_log (actor_type, actor_id, action, entity, entity_id, details)
       SELECT 'system', NULL, 'проверка.' || g, 'клиент', g::text,
              jsonb_build_object('заметка', repeat('ёжик ', g % 50), 'n', g)
         FROM generate_series(1, 20000) g`,
    );
    await backupTo(archive, source.handle.pool, keys);
  });
  afterAll(async () => {
    for (const drop of cleanup) await drop();
    await source.drop();
  });

  async function target() {
    const db = await emptyDatabase();
    cleanup.push(db.drop);
    return db;
  }

  it('starts from a base with a row in every table (a new table without data fails here)', async () => {
    const fp = await fingerprint(source.url);
    const empty = Object.entries(fp)
      .filter(([, v]) => v.startsWith('0:'))
      .map(([k]) => k);
    expect(empty).toEqual([]);
    expect(Object.keys(fp).length).toBeGreaterThanOrEqual(29);
  });

  it('restores into an empty database table by table, and the domain decrypts it', async () => {
    const into = await target();
    const progress: string[] = [];
    const result = await restoreBackup({
      url: into.url,
      keys,
      input: createReadStream(archive),
      onProgress: (p) => progress.push(p.table),
    });
    expect(result.schemaVersion).toBe(LATEST);
    expect(result.migratedTo).toBe(LATEST);
    expect(progress.length).toBe(result.tables.length);
    expect(await fingerprint(into.url)).toEqual(await fingerprint(source.url));
    const sequences = `SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`;
    expect(await query(into.url, sequences)).toEqual(await query(source.url, sequences));

    const restored = createDatabase(into.url);
    try {
      const clients = new ClientService({
        db: restored.db,
        crypto,
        logger: silentLogger,
        clock: () => new Date(),
      });
      const anna = await clients.get(people.anna.id, SYSTEM);
      expect(anna).toMatchObject({
        name: 'Анна Петрова',
        phone: '+79161234567',
        allergies: 'латекс',
      });
      expect((await clients.findByPhone('+79167654321')).map((c) => c.id)).toEqual([
        people.friend.id,
      ]);
      const outbox = await restored.db
        .selectFrom('outbox')
        .selectAll()
        .where('dedupe_key', '=', 'backup-test')
        .executeTakeFirstOrThrow();
      expect(readOutboxMessage(crypto, outbox).text).toBe('queued');
      // New rows continue the sequences instead of colliding with restored ids.
      await restored.db
        .insertInto('audit_log')
        .values({
          actor_type: 'system',
          actor_id: null,
          action: 'x',
          entity: 'x',
          entity_id: null,
          details: '{}',
        })
        .execute();
    } finally {
      await restored.close();
    }
  });

  it('refuses a database that holds data unless told to replace it, then replaces it whole', async () => {
    const into = await target();
    await restoreBackup({ url: into.url, keys, input: createReadStream(archive) });
    await query(into.url, `DELETE FROM client_messages`);
    const before = await fingerprint(into.url);
    const err = await refusal(
      restoreBackup({ url: into.url, keys, input: createReadStream(archive) }),
    );
    expect(err).toBeInstanceOf(RestoreRefusedError);
    expect(err.message).toMatch(/not empty.*--replace/);
    expect(await fingerprint(into.url)).toEqual(before);
    await restoreBackup({ url: into.url, keys, input: createReadStream(archive), replace: true });
    expect(await fingerprint(into.url)).toEqual(await fingerprint(source.url));
  });

  it('refuses a corrupted or cut-off archive in one line and leaves the database as it was', async () => {
    const bytes = readFileSync(archive);
    const into = await target();
    for (const [label, damaged] of [
      [
        'flipped',
        Buffer.from(bytes).fill(
          bytes[Math.floor(bytes.length / 2)]! ^ 0x01,
          Math.floor(bytes.length / 2),
          Math.floor(bytes.length / 2) + 1,
        ),
      ],
      ['cut', bytes.subarray(0, bytes.length - 10)],
      ['appended', Buffer.concat([bytes, Buffer.from('junk')])],
      ['not ours', Buffer.from('PGDMP this is something else entirely')],
      ['empty', Buffer.alloc(0)],
    ] as const) {
      const err = await refusal(
        restoreBackup({ url: into.url, keys, input: Readable.from([damaged]) }),
      );
      expect(err, label).toBeInstanceOf(ArchiveError);
      expect(await query(into.url, DATA_TABLES), label).toEqual([]);
    }
  });

  it('refuses a wrong key in one line before decrypting; a previous key still opens it', async () => {
    const into = await target();
    const other = await BackupKeys.fromMasterKeys(new Uint8Array(randomBytes(32)));
    const err = await refusal(
      restoreBackup({ url: into.url, keys: other, input: createReadStream(archive) }),
    );
    expect(err).toBeInstanceOf(BackupKeyError);
    expect(err.message).toMatch(/master key [0-9a-f]{8}, which is not configured/);
    const rotated = await BackupKeys.fromMasterKeys(new Uint8Array(randomBytes(32)), [masterKey]);
    await restoreBackup({ url: into.url, keys: rotated, input: createReadStream(archive) });
    expect(await fingerprint(into.url)).toEqual(await fingerprint(source.url));
  });

  it('refuses an archive of a newer schema than this program knows', async () => {
    const newer = await createTestDatabase('bknewer');
    cleanup.push(newer.drop);
    await query(
      newer.url,
      `INSERT INTO kysely_migration (name, timestamp) VALUES ('20991231T0000_future', now()::text)`,
    );
    const file = path.join(dir, 'newer.backup');
    await backupTo(file, newer.handle.pool, keys);
    const into = await target();
    const err = await refusal(
      restoreBackup({ url: into.url, keys, input: createReadStream(file) }),
    );
    expect(err).toBeInstanceOf(RestoreRefusedError);
    expect(err.message).toMatch(/20991231T0000_future.*newer than this program knows/);
    expect(await query(into.url, DATA_TABLES)).toEqual([]);
  });

  it('restores an archive of an older schema and migrates it up', async () => {
    const older = await emptyDatabase();
    cleanup.push(older.drop);
    const previous = Object.keys(migrations).sort().at(-2)!;
    const db = new Kysely<any>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: older.url }) }),
    });
    const provider = { getMigrations: async () => migrations };
    await new Migrator({ db, provider }).migrateTo(previous);
    await db
      .insertInto('branches')
      .values({ name: 'Старый филиал', time_zone: 'Europe/Moscow' })
      .execute();
    const pool = new pg.Pool({ connectionString: older.url });
    const file = path.join(dir, 'older.backup');
    await backupTo(file, pool, keys);
    await pool.end();
    await db.destroy();
    const into = await target();
    const result = await restoreBackup({ url: into.url, keys, input: createReadStream(file) });
    expect(result).toMatchObject({ schemaVersion: previous, migratedTo: LATEST });
    expect(await query(into.url, `SELECT name FROM branches`)).toEqual([{ name: 'Старый филиал' }]);
    const applied = await query<{ name: string }>(
      into.url,
      'SELECT name FROM kysely_migration ORDER BY name',
    );
    expect(applied.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
  });

  it('runs as npm run backup / restore: progress on stderr, one-line errors, exit codes', async () => {
    const env = {
      DATABASE_URL: source.url,
      CLIENTELE_MASTER_KEY: Buffer.from(masterKey).toString('base64'),
      DATA_DIR: dir,
      BACKUP_DIR: path.join(dir, 'cli'),
    };
    const made = await run('src/cli/backup.ts', [], env);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/backup: \d+\/\d+ clients: 2 rows/);
    const written = /backup written: (\S+)/.exec(made.stdout)?.[1] ?? '';
    expect(
      (await new BackupFolder(env.BACKUP_DIR).list()).map((f) => path.join(env.BACKUP_DIR, f.name)),
    ).toEqual([written]);

    const into = await target();
    const restored = await run('src/cli/restore.ts', [written], { ...env, DATABASE_URL: into.url });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/restored .*checksums match/);
    expect(await fingerprint(into.url)).toEqual(await fingerprint(source.url));

    const again = await run('src/cli/restore.ts', [written], { ...env, DATABASE_URL: into.url });
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^restore: the database is not empty/),
    ]);
    const wrongKey = await run('src/cli/restore.ts', [written, '--replace'], {
      ...env,
      DATABASE_URL: into.url,
      CLIENTELE_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^restore: the archive was made with master key/),
    ]);
    const garbage = path.join(dir, 'garbage.backup');
    writeFileSync(garbage, 'not an archive');
    const bad = await run('src/cli/restore.ts', [garbage], { ...env, DATABASE_URL: into.url });
    expect(bad.stderr.trim()).toBe('restore: this is not a Clientele backup archive');
    // The embedded database: a fresh DATA_DIR and no key refuses without leaving a new key
    // behind; with the backup's key it restores into the embedded server.
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'clientele-restore-embedded-'));
    chmodSync(fresh, 0o755); // the embedded server runs as `postgres` when we are root
    const noKey = await run('src/cli/restore.ts', [written], { DATA_DIR: fresh });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr.trim()).toMatch(/^restore: no master key is configured/);
    expect(existsSync(path.join(fresh, 'master.key'))).toBe(false);
    const embedded = await run('src/cli/restore.ts', [written], {
      DATA_DIR: fresh,
      CLIENTELE_MASTER_KEY: env.CLIENTELE_MASTER_KEY,
    });
    expect(embedded.code, embedded.stderr).toBe(0);
    expect(embedded.stdout).toMatch(/restored .*checksums match/);
    const usage = await run('src/cli/restore.ts', [], env);
    expect(usage.code).toBe(1);
    expect(usage.stderr.trim()).toMatch(
      /^restore: usage: npm run restore -- <file> \[--replace\]$/,
    );
  }, 180_000);
});

function run(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(script), ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
