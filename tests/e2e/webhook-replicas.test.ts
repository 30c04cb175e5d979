import { chmodSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookPath } from '../../src/bot/webhook.js';
import { createServices } from '../../src/runtime.js';
import { freePort, type Run, runScript } from '../helpers/child-run.js';
import { buttons, type FakeBotApi, startFakeBotApi } from '../helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { waitFor } from '../helpers/wait.js';
import { type BotHarness, bookVisit } from './bot-harness.js';
import { client, seedSalon, ZONE } from './salon-fixture.js';

const KEY = Buffer.alloc(32, 13);
const SECRET = 'replicas-webhook-secret_1';

/**
 * A load balancer in front of the web replicas: round robin, and every other update also sent
 * to the other replica at the same moment, as Telegram does when it retries a slow delivery.
 */
async function forwarder(
  targets: string[],
): Promise<{ url: string; doubled: () => number; close(): Promise<void> }> {
  let turn = 0;
  let doubled = 0;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const n = turn++;
    const send = (target: string) =>
      fetch(`${target}${req.url}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-telegram-bot-api-secret-token': String(req.headers['x-telegram-bot-api-secret-token']),
        },
        body,
      }).then((r) => r.status);
    const first = targets[n % targets.length] ?? '';
    const calls = [send(first)];
    if (n % 2 === 1) {
      doubled++;
      calls.push(send(targets[(n + 1) % targets.length] ?? ''));
    }
    const [status] = await Promise.all(calls);
    res.writeHead(status ?? 502).end();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    doubled: () => doubled,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function ready(url: string, run: Run, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      if (run.child.exitCode !== null) throw new Error(`replica exited: ${run.stderr()}`);
      return fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
    },
    {
      timeout: timeoutMs,
      what: `${url}/readyz`,
      details: () => run.stderr() + run.stdout().slice(-2000),
    },
  );
}

describe('two web replicas in webhook mode behind a round-robin balancer', () => {
  let t: TestDatabase;
  let fake: FakeBotApi;
  let balancer: Awaited<ReturnType<typeof forwarder>> | undefined;
  const runs: Run[] = [];
  beforeAll(async () => {
    t = await createTestDatabase('replicas_hook');
    fake = await startFakeBotApi();
  });
  afterAll(async () => {
    for (const r of runs) r.child.kill('SIGKILL');
    await Promise.all(runs.map((r) => r.exited));
    await balancer?.close();
    await fake.close();
    await t.drop();
  });

  it('one client pressing through the booking, updates split and some doubled: booked once, replies in order', async () => {
    const crypto = await testCrypto({ masterKey: new Uint8Array(KEY) });
    const services = createServices({ db: t.db, crypto, logger: silentLogger });
    const h = { t, services, clients: services.clients } as unknown as BotHarness;
    await seedSalon(h);
    const user = fake.user({ language_code: 'ru', first_name: 'Анна' });
    await client(h, user, '+79160000077');

    const ports = [await freePort(), await freePort()];
    const targets = ports.map((p) => `http://127.0.0.1:${p}`);
    balancer = await forwarder(targets);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clientele-webhooks-'));
    chmodSync(dir, 0o755);
    for (const [i, port] of ports.entries()) {
      runs.push(
        runScript('src/main.ts', {
          DATA_DIR: path.join(dir, String(i)),
          DATABASE_URL: t.url,
          CLIENTELE_MASTER_KEY: KEY.toString('base64'),
          BOT_TOKEN: fake.token,
          BOT_API_ROOT: fake.apiRoot,
          BOT_MODE: 'webhook',
          WEBHOOK_SECRET: SECRET,
          PUBLIC_URL: balancer.url,
          ROLES: 'bot,web',
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'warn',
        }),
      );
    }
    // Start-up under tsx takes over a minute on a loaded 2-core machine.
    await Promise.all(targets.map((url, i) => ready(url, runs[i] as Run, 300_000)));
    fake.deliverTo(`${balancer.url}${webhookPath(crypto, fake.token)}`, SECRET);

    const day = DateTime.now().setZone(ZONE).plus({ days: 2 }).toISODate() ?? '';
    const walk = await bookVisit(
      user,
      { category: 'Волосы', service: /^Стрижка/, master: 'Ольга', day, time: /^\d\d:\d\d$/ },
      { timeoutMs: 20_000 },
    );
    expect(walk.times.text).toMatch(/^Свободное время/);
    expect(walk.confirm.text).toMatch(/^Проверьте запись:/);
    expect(walk.done?.text).toMatch(/^Вы записаны!/);
    expect(walk.ics?.method).toBe('sendDocument');
    // Nothing else came: a sentinel's reply arrives only after every earlier update was handled.
    user.send('/help');
    await user.nextReply({ timeoutMs: 20_000 });
    expect(user.messages.map((m) => m.text ?? m.method)).toHaveLength(9);

    const visits = await t.db
      .selectFrom('appointments')
      .select(['channel'])
      .where('client_id', 'is not', null)
      .execute();
    expect(visits).toEqual([{ channel: 'bot' }]);
    console.log(
      `webhook replicas: 2 processes, 9 updates, ${balancer.doubled()} of them delivered to both at once: ${visits.length} visit booked, ${user.messages.length} replies, in order`,
    );
  }, 600_000);
});
