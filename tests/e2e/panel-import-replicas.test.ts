import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/runtime.js';
import { freePort, type Run, runScript, waitHealthy } from '../helpers/child-run.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { addBranch } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { waitFor } from '../helpers/wait.js';
import { PASSWORD } from './panel-harness.js';

const KEY = Buffer.alloc(32, 7);
const MAIN = path.resolve('src/main.ts');
const ROWS = 600;

/** One web process of the product against the test database (no bot, no jobs, no bundling). */
async function startWeb(url: string): Promise<{ run: Run; base: string }> {
  const port = await freePort();
  const run = runScript(MAIN, {
    DATABASE_URL: url,
    CLIENTELE_MASTER_KEY: KEY.toString('base64'),
    PORT: String(port),
    HOST: '127.0.0.1',
    ROLES: 'web',
    LOG_LEVEL: 'warn',
    // The API is all this test calls: no need for the components bundle.
    ADMIN_JS_SKIP_BUNDLE: 'true',
  });
  const base = `http://127.0.0.1:${port}`;
  // Generous: two processes start at once on a shared, busy machine.
  await waitHealthy(port, run.child, () => run.stderr() + run.stdout().slice(-2000), 300_000);
  return { run, base };
}

/**
 * A CSV body that sends its header and the first `first` rows, then waits for `release()`
 * before the rest: the import is caught mid-way, whatever the machine's speed.
 */
function heldCsv(first: number) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const line = (i: number) => `+7917${String(3_000_000 + i)};Клиент ${i};=cmd|' /C calc'!A0\n`;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let head = 'Телефон;Имя;Заметки\n';
      for (let i = 0; i < first; i++) head += line(i);
      controller.enqueue(encoder.encode(head));
      await released;
      let rest = '';
      for (let i = first; i < ROWS; i++) rest += line(i);
      controller.enqueue(encoder.encode(rest));
      controller.close();
    },
  });
  return { body, release: () => release() };
}

describe('import jobs live in PostgreSQL: two web processes, one database', () => {
  let t: TestDatabase;
  let a: { run: Run; base: string };
  let b: { run: Run; base: string };
  let cookie = '';

  beforeAll(async () => {
    t = await createTestDatabase('import-replicas');
    const crypto = await testCrypto({ masterKey: new Uint8Array(KEY) });
    const services = createServices({ db: t.db, crypto, logger: silentLogger });
    await services.staff.create(
      {
        email: 'manager@salon.test',
        displayName: 'Manager',
        role: 'manager',
        password: PASSWORD,
        locale: 'en',
        branchId: await addBranch(services, { name: 'Salon' }),
      },
      { type: 'system', id: null },
    );
    [a, b] = await Promise.all([startWeb(t.url), startWeb(t.url)]);
    // Sessions are rows too: a login through A is good on B.
    const login = await fetch(`${a.base}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: a.base },
      body: new URLSearchParams({ email: 'manager@salon.test', password: PASSWORD }).toString(),
    });
    expect(login.status).toBe(302);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }, 400_000);

  afterAll(async () => {
    for (const p of [a, b]) {
      if (p && p.run.child.exitCode === null) {
        p.run.child.kill('SIGINT');
        await p.run.exited;
      }
    }
    await t?.drop();
  });

  const upload = (base: string, id: string, body: ReadableStream<Uint8Array>, dry = '0') =>
    fetch(`${base}/admin/import/run?id=${id}&dry=${dry}`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);
  const job = async (base: string, id: string) => {
    const response = await fetch(`${base}/admin/api/resources/Client/actions/import?job=${id}`, {
      headers: { cookie, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' },
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  /** Polls B until `check` holds (a deadline, no fixed sleeps). */
  const until = (id: string, check: (j: Record<string, any>) => boolean) =>
    waitFor(
      async () => {
        const { body } = await job(b.base, id);
        return body.job && check(body.job) ? (body.job as Record<string, any>) : false;
      },
      { timeout: 60_000, what: `import job ${id} to get there`, interval: 150 },
    );

  it('an import started through one process shows its progress and report through the other', {
    timeout: 180_000,
  }, async () => {
    const id = crypto.randomUUID();
    const csv = heldCsv(200);
    const answer = upload(a.base, id, csv.body);
    // Mid-way, as B sees it: running, with rows counted.
    const midway = await until(id, (j) => j.rows >= 150);
    expect(midway.state).toBe('running');
    expect(midway.rows).toBeLessThanOrEqual(200);
    csv.release();
    const done = await answer;
    expect(done.status).toBe(200);
    const report = await until(id, (j) => j.state === 'done');
    expect(report).toMatchObject({ dryRun: false, rows: ROWS, created: ROWS, failed: 0 });
    // B lists it among the manager's jobs; the row holds counts, never a cell's value.
    const list = (await (
      await fetch(`${b.base}/admin/api/resources/Client/actions/import`, {
        headers: { cookie, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' },
      })
    ).json()) as { jobs: { id: string; state: string }[] };
    expect(list.jobs.find((j) => j.id === id)?.state).toBe('done');
    const stored = await t.db
      .selectFrom('import_jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toMatch(/Клиент|cmd|\+7917/);
    // The same id again is refused, and changes nothing.
    const again = await upload(b.base, id, heldCsvDone());
    expect(again.status).toBe(409);
  });

  it('a job whose process stopped is failed as interrupted, not left running', {
    timeout: 180_000,
  }, async () => {
    const id = crypto.randomUUID();
    const csv = heldCsv(100);
    const answer = upload(a.base, id, csv.body).catch(() => null);
    await until(id, (j) => j.rows >= 50);
    a.run.child.kill('SIGKILL');
    await a.run.exited;
    await answer;
    // Still "running" to B until it has gone a while without a heartbeat…
    expect((await job(b.base, id)).body.job.state).toBe('running');
    // …which the row's clock shows, moved back rather than waited for.
    await t.db
      .updateTable('import_jobs')
      .set({ updated_at: new Date(Date.now() - 5 * 60_000) })
      .where('id', '=', id)
      .execute();
    const failed = (await job(b.base, id)).body.job;
    expect(failed).toMatchObject({ state: 'failed', error: 'interrupted' });
    expect(failed.rows).toBeGreaterThanOrEqual(50);
  });
});

function heldCsvDone(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode('Телефон\n+79170000000\n'));
      c.close();
    },
  });
}
