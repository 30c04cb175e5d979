/**
 * npx tsx bench/backup-bench.ts [clients] [visits]: backup and restore of a salon-sized base
 * (default 5,000 clients made through the domain, 40,000 visits over two years inserted in
 * bulk), timed, with the archive's size. Uses the tests' PostgreSQL (TEST_DATABASE_URL, else
 * 127.0.0.1:5432). Each run is timed once per step: a backup or restore is seconds long, and
 * the machine's load is printed beside it.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { BackupKeys } from '../src/backup/backup-keys.js';
import { writeBackup } from '../src/backup/create-backup.js';
import { restoreBackup } from '../src/backup/restore-backup.js';
import { createServices } from '../src/runtime.js';
import { silentLogger, testCrypto } from '../tests/helpers/fixtures.js';
import { createTestDatabase } from '../tests/helpers/test-db.js';
import { chooseTestServer } from '../tests/helpers/test-server.js';

const CLIENTS = Number(process.argv[2] ?? 5000);
const VISITS = Number(process.argv[3] ?? 40_000);
const SYSTEM = { type: 'system' as const, id: null };

const server = await chooseTestServer();
process.env.TEST_DATABASE_URL = server.url;
const source = await createTestDatabase('bkbench');
const masterKey = new Uint8Array(randomBytes(32));
const crypto = await testCrypto({ masterKey, expectedClients: CLIENTS });
const s = createServices({ db: source.db, crypto, logger: silentLogger });

let started = Date.now();
const branch = await s.catalogue.createBranch({ name: 'Центр', timeZone: 'Europe/Moscow' }, SYSTEM);
const service = await s.catalogue.createService(
  { name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 1500 },
  SYSTEM,
);
const masters: string[] = [];
for (let m = 0; m < 8; m++)
  masters.push(
    await s.catalogue.createMaster({ branchId: branch, displayName: `Мастер ${m}` }, SYSTEM),
  );
const clientIds: string[] = [];
for (let i = 0; i < CLIENTS; i++) {
  const c = await s.clients.create(
    {
      name: `Клиентка ${i} Тестова`,
      phone: `+7916${String(1_000_000 + i)}`,
      birthday: { day: (i % 28) + 1, month: (i % 12) + 1, year: 1970 + (i % 35) },
      notes: i % 3 === 0 ? 'любит зелёный чай, приходит с ребёнком' : null,
      allergies: i % 7 === 0 ? 'латекс' : null,
    },
    SYSTEM,
  );
  clientIds.push(c.id);
}
console.log(
  `made ${CLIENTS} clients through the domain in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

// Two years of done visits, 8 masters, in bulk (no overlap constraint on done visits).
started = Date.now();
await sql`
  INSERT INTO appointments (branch_id, master_id, service_id, client_id, starts_at, ends_at,
    blocked_until, status, price, amount_paid, channel, completed_at)
  SELECT ${branch}, (${sql.val(masters)}::uuid[])[1 + g % 8], ${service},
    (${sql.val(clientIds)}::uuid[])[1 + (g * 7919) % ${CLIENTS}],
    now() - make_interval(hours => g / 2), now() - make_interval(hours => g / 2) + interval '1 hour',
    now() - make_interval(hours => g / 2) + interval '1 hour', 'done', 1500, 1500, 'bot',
    now() - make_interval(hours => g / 2) + interval '1 hour'
  FROM generate_series(1, ${VISITS}) g`.execute(source.db);
console.log(`inserted ${VISITS} visits in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const keys = await BackupKeys.fromMasterKeys(masterKey);
const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'clientele-bench-')), 'bench.backup');
const pool = new pg.Pool({ connectionString: source.url, max: 1 });
started = Date.now();
const manifest = await writeBackup({ pool, keys, output: createWriteStream(file) });
const backupMs = Date.now() - started;
await pool.end();
const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);

const target = `clientele_bkbench_target_${process.pid}`;
const admin = new pg.Client({ connectionString: server.url });
await admin.connect();
await admin.query(`CREATE DATABASE ${target}`);
const url = new URL(server.url);
url.pathname = `/${target}`;
started = Date.now();
await restoreBackup({ url: url.toString(), keys, input: createReadStream(file) });
const restoreMs = Date.now() - started;
await admin.query(`DROP DATABASE ${target} WITH (FORCE)`);
await admin.end();
await source.drop();
await server.embedded?.stop();

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `machine: ${os.cpus().length} × ${cpu}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(
  `backup:  ${(backupMs / 1000).toFixed(1)} s, ${rows} rows in ${manifest.tables.length} tables`,
);
console.log(`archive: ${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB`);
console.log(`restore: ${(restoreMs / 1000).toFixed(1)} s (empty database, checksums, migrations)`);
