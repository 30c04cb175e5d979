/** Client search by phone, by name and the first list page with 100,000 clients (p50/p95). */
import { createServices } from '../src/runtime.js';
import { silentLogger, testCrypto } from '../tests/helpers/fixtures.js';
import { createTestDatabase } from '../tests/helpers/test-db.js';
import { report, timeEach } from './measure.js';

const SYSTEM = { type: 'system' as const, id: null };

export async function searchBench(): Promise<void> {
  const N = 100_000;
  const t = await createTestDatabase('bench_search');
  try {
    const crypto = await testCrypto({ expectedClients: N });
    const { clients } = createServices({ db: t.db, crypto, logger: silentLogger });
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
  } finally {
    await t.drop();
  }
}
