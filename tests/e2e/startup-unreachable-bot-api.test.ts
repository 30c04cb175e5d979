// Issue #17, finding 4: webhook mode with an unreachable Bot API never finished starting,
// silently. The product runs as a child process against a Bot API address that first hangs
// (accepts and never answers) or refuses, and later forwards to the fake Bot API.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webhookPath } from '../../src/bot/webhook.js';
import { createCrypto } from '../../src/crypto/crypto.js';
import { freePort, type Run, runScript } from '../helpers/child-run.js';
import { type FakeBotApi, startFakeBotApi } from '../helpers/fake-bot-api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { waitFor } from '../helpers/wait.js';

const KEY = Buffer.alloc(32, 4).toString('base64');
const SECRET = 'webhook-secret-for-the-unreachable-test';

/**
 * A loopback Bot API address whose behaviour the test switches: 'hang' accepts connections and
 * never answers; 'forward' pipes them to the fake Bot API. Not listening at all = refused.
 */
class BotApiDoor {
  mode: 'hang' | 'forward' = 'hang';
  private server: net.Server | undefined;
  private sockets = new Set<net.Socket>();
  accepted = 0;

  constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  async open(mode: 'hang' | 'forward'): Promise<void> {
    this.mode = mode;
    const server = net.createServer((socket) => {
      this.accepted++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      if (this.mode === 'hang') return;
      const upstream = net.connect(this.target, '127.0.0.1');
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Polls `check` until it holds; a process that exits meanwhile ends the wait at once. */
function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  run?: Run,
) {
  return waitFor(
    async () => {
      const value = await check();
      if ((value === undefined || value === false) && run && run.child.exitCode !== null)
        throw new Error(`exited early while waiting for ${what}: ${run.stderr()}${run.stdout()}`);
      return value;
    },
    { timeout: timeoutMs, what, details: () => run?.stdout() ?? '' },
  );
}

async function status(url: string, init?: RequestInit): Promise<number | undefined> {
  try {
    return (await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return undefined;
  }
}

function logLines(run: Run): { msg?: string; [k: string]: unknown }[] {
  return run
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string });
}

describe('webhook mode with an unreachable Bot API (issue #17, finding 4)', () => {
  let fake: FakeBotApi;
  let path: string;
  const runs: Run[] = [];
  const doors: BotApiDoor[] = [];
  const databases: TestDatabase[] = [];
  beforeAll(async () => {
    fake = await startFakeBotApi();
    const crypto = await createCrypto({
      masterKey: new Uint8Array(Buffer.from(KEY, 'base64')),
      previousKeys: [],
      expectedClients: 10_000,
    });
    path = webhookPath(crypto, fake.token);
  });
  afterEach(async () => {
    for (const run of runs.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    for (const door of doors.splice(0)) await door.close();
    for (const db of databases.splice(0)) await db.drop();
  });
  afterAll(() => fake.close());

  /** Starts the product in webhook mode against a door that hangs, or refuses (not open). */
  async function startAgainst(
    kind: 'hangs' | 'refuses',
    mode: 'webhook' | 'polling' = 'webhook',
    api: FakeBotApi = fake,
  ) {
    // A database of its own, so that each run is a first start that creates the owner.
    const t = await createTestDatabase('unreachable');
    databases.push(t);
    const port = await freePort();
    const apiPort = await freePort();
    const door = new BotApiDoor(apiPort, Number(new URL(api.apiRoot).port));
    doors.push(door);
    if (kind === 'hangs') await door.open('hang');
    const base = `http://127.0.0.1:${port}`;
    const run = runScript('src/main.ts', {
      LOG_LEVEL: 'info',
      DATABASE_URL: t.url,
      CLIENTELE_MASTER_KEY: KEY,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(mode === 'webhook'
        ? { PUBLIC_URL: base, BOT_MODE: 'webhook', WEBHOOK_SECRET: SECRET }
        : { BOT_MODE: 'polling' }),
      BOT_TOKEN: api.token,
      BOT_API_ROOT: `http://127.0.0.1:${apiPort}`,
    });
    runs.push(run);
    return { run, base, door };
  }

  /** What must hold while Telegram cannot be reached; returns when all of it was seen. */
  async function expectServingWithoutTelegram(run: Run, base: string) {
    // Generous: seven engineers' tests share two cores, and tsx compiles the product first.
    await until(() => run.stdout().includes('This password is shown once'), 90_000, 'owner', run);
    await until(
      () => logLines(run).some((l) => l.msg === 'jobs scheduled'),
      5_000,
      'the jobs',
      run,
    );
    await until(
      () => logLines(run).some((l) => l.msg === 'outbox dispatcher started'),
      5_000,
      'the dispatcher',
      run,
    );
    expect(await status(`${base}/healthz`)).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ok: false, waiting: ['bot'] });
    const retry = await until(
      () => logLines(run).find((l) => l.msg?.startsWith('could not start the bot')),
      20_000,
      'a retry log line',
      run,
    );
    expect(retry).toMatchObject({ level: 40, attempt: 1, mode: 'webhook' });
    expect(typeof retry.retryInSeconds).toBe('number');

    // Telegram's call with the right secret is answered at once: 503, so it delivers again later.
    const update = { update_id: 1, message: { message_id: 1, date: 0, chat: { id: 1 } } };
    const started = Date.now();
    const webhook = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(update),
      signal: AbortSignal.timeout(10_000),
    });
    expect(webhook.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    const wrong = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'nope' },
      body: JSON.stringify(update),
    });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${base}/admin/login`)).status).toBe(200);
  }

  async function expectPromptStop(run: Run) {
    const started = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const ms = Date.now() - started;
    expect(ms).toBeLessThan(5_000);
    expect(run.stdout()).toContain('"msg":"stopped"');
    expect(run.stdout()).not.toContain('stopping once start-up is done');
    expect(run.stderr()).toBe('');
    // The token travels in the Bot API's URL: no error text may carry it into the log.
    expect(run.stdout()).not.toContain(fake.token.split(':')[1]);
    return ms;
  }

  for (const kind of ['hangs', 'refuses'] as const) {
    it(`serves, says it is not ready and stops on one SIGTERM while the Bot API ${kind}`, async () => {
      const { run, base, door } = await startAgainst(kind);
      await expectServingWithoutTelegram(run, base);
      if (kind === 'hangs') expect(door.accepted).toBeGreaterThan(0);
      const ms = await expectPromptStop(run);
      console.log(`Bot API ${kind}: stopped ${ms} ms after SIGTERM`);
    }, 150_000);

    it(`registers the webhook once the Bot API that ${kind} becomes reachable`, async () => {
      const { run, base, door } = await startAgainst(kind);
      await expectServingWithoutTelegram(run, base);
      const since = Date.now();
      await door.close();
      await door.open('forward');
      await until(() => fake.webhook, 30_000, 'the webhook registration', run);
      expect(fake.webhook).toEqual({ url: `${base}${path}`, secret_token: SECRET });
      await until(async () => (await status(`${base}/readyz`)) === 200, 5_000, 'readiness', run);
      console.log(`Bot API ${kind}, then reachable: ready ${Date.now() - since} ms later`);
      expect(logLines(run).some((l) => l.msg === 'bot started (webhook)')).toBe(true);

      fake.deliverTo(`${base}${path}`, SECRET);
      const user = fake.user({ language_code: 'en' });
      user.send('/start');
      expect((await user.nextReply({ timeoutMs: 15_000 })).text).toMatch(/^Hello!/);
      fake.webhook = undefined;
      fake.deliverTo('http://127.0.0.1:1/unused');
      await expectPromptStop(run);
    }, 180_000);
  }

  it('long polling too: serves while the Bot API refuses, then starts polling once it answers', async () => {
    // Its own fake: the shared one now posts updates to a webhook instead of queueing them.
    const polled = await startFakeBotApi();
    try {
      const { run, base, door } = await startAgainst('refuses', 'polling', polled);
      await until(() => run.stdout().includes('This password is shown once'), 90_000, 'owner', run);
      const retry = await until(
        () => logLines(run).find((l) => l.msg?.startsWith('could not start the bot')),
        20_000,
        'a retry log line',
        run,
      );
      expect(retry).toMatchObject({ mode: 'long polling', reason: 'network error ECONNREFUSED' });
      expect(await status(`${base}/readyz`)).toBe(503);
      await door.open('forward');
      await until(async () => (await status(`${base}/readyz`)) === 200, 60_000, 'readiness', run);
      expect(logLines(run).some((l) => l.msg === 'bot started (long polling)')).toBe(true);
      const user = polled.user({ language_code: 'en' });
      user.send('/start');
      expect((await user.nextReply({ timeoutMs: 15_000 })).text).toMatch(/^Hello!/);
      await expectPromptStop(run);
    } finally {
      await polled.close();
    }
  }, 180_000);
});
