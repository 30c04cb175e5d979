/**
 * Client search by phone, by name and the first list page with 100,000 clients (p50/p95); the
 * panel's visit list page and the visit export over 10,000 visits of those clients.
 */
import { sql } from 'kysely';
import { VisitRecords } from '../src/admin/panel/records/visit-records.js';
import { currentConsents } from '../src/domain/onboarding/consents.js';
import { createServices, type Services } from '../src/runtime.js';
import { silentLogger, testCrypto } from '../tests/helpers/fixtures.js';
import { createTestDatabase } from '../tests/helpers/test-db.js';
import { report, timeEach } from './measure.js';

const SYSTEM = { type: 'system' as const, id: null };

export async function searchBench(): Promise<void> {
  const N = 100_000;
  const t = await createTestDatabase('bench_search');
  try {
    const crypto = await testCrypto({ expectedClients: N });
    const services = createServices({ db: t.db, crypto, logger: silentLogger });
    const { clients } = services;
    const started = Date.now();
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, (_, k) =>
          clients.create(
            {
              name: `Имя${i + k} Фамилия${(i + k) % 3000}`,
              phone: `+7925${String(1_000_000 + i + k)}`,
            },
            SYSTEM,
          ),
        ),
      );
    }
    const built = ((Date.now() - started) / 1000).toFixed(0);
    report(
      `find by phone among ${N.toLocaleString('en')}`,
      await timeEach(300, (i) =>
        clients.findByPhone(`+7925${String(1_000_000 + ((i * 7919) % N))}`),
      ),
    );
    report(
      `find by name among ${N.toLocaleString('en')}`,
      await timeEach(300, (i) => clients.findByName(`имя${(i * 7919) % N}`)),
    );
    report(
      `first list page (25) of ${N.toLocaleString('en')}`,
      await timeEach(100, () => clients.list({ limit: 25, offset: 0 })),
    );
    console.log(`  (base of ${N} encrypted clients built in ${built} s)`);
    await visitListBench(t.db, services);
  } finally {
    await t.drop();
  }
}

/** The panel's visit list (25 a page) and the CSV/XLSX export's reads (500 a page). */
async function visitListBench(db: Parameters<typeof currentConsents>[0], s: Services) {
  const V = 10_000;
  const branch = await s.catalogue.createBranch(
    { name: 'Центр', timeZone: 'Europe/Moscow' },
    SYSTEM,
  );
  const service = await s.catalogue.createService(
    { name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 },
    SYSTEM,
  );
  const master = await s.catalogue.createMaster({ branchId: branch, displayName: 'Ольга' }, SYSTEM);
  // One visit an hour for one master, each for another client: no overlaps, real joins.
  await sql`INSERT INTO appointments
      (branch_id, master_id, service_id, client_id, starts_at, ends_at, blocked_until, price, channel)
    SELECT ${branch}, ${master}, ${service}, c.id,
      timestamptz '2030-01-01 09:00+03' + (n * interval '1 hour'),
      timestamptz '2030-01-01 10:00+03' + (n * interval '1 hour'),
      timestamptz '2030-01-01 10:00+03' + (n * interval '1 hour'),
      2000, 'panel'
    FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM clients LIMIT ${V}) c`.execute(
    db,
  );
  const { user } = await s.staff.create(
    {
      email: 'bench-owner@salon.test',
      displayName: 'Owner',
      role: 'owner',
      password: 'a long bench password',
    },
    SYSTEM,
  );
  const actor = { type: 'staff' as const, id: user.id };
  const visits = new VisitRecords(db, s.clients);
  report(
    `panel visit list, first page (25) of ${V.toLocaleString('en')}`,
    await timeEach(100, () => visits.find({}, { limit: 25, offset: 0 }, actor)),
  );
  // What the list cost before: the page in one query, then each row's client and consents.
  const perRow = await timeEach(30, async () => {
    const page = await db
      .selectFrom('appointments')
      .select('client_id')
      .orderBy('starts_at', 'desc')
      .limit(25)
      .execute();
    for (const { client_id } of page) {
      if (!client_id) continue;
      await s.clients.findById(client_id);
      await currentConsents(db, client_id);
    }
  });
  report('  the same 25 rows read one by one (before)', perRow);
  const started = performance.now();
  let rows = 0;
  for (let offset = 0; ; offset += 500) {
    const page = await visits.find({}, { limit: 500, offset, direction: 'asc' }, actor);
    rows += page.length;
    if (page.length < 500) break;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  visit export reads: ${rows} visits in ${seconds.toFixed(2)} s (${Math.round(rows / seconds)} rows/s)`,
  );
}
