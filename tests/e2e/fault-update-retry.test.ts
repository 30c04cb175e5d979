import Fastify from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatLocks, createChatLocks } from '../../src/bot/chat-lock.js';
import { type ClienteleBot, createBot } from '../../src/bot/create-bot.js';
import { runPolling } from '../../src/bot/polling.js';
import { createWebhookPlugin, webhookPath } from '../../src/bot/webhook.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import { createServices } from '../../src/runtime.js';
import { type FakeBotApi, startFakeBotApi } from '../helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

/**
 * An update the bot could not handle (here: its chat held by another process past the bounded
 * wait, as when the database is away) is not lost: polling does not confirm it and tries it
 * again; a webhook answers 500 so that Telegram delivers it again. Either way it is handled
 * once in the end.
 */
describe('an update that fails is handled later, once', () => {
  let t: TestDatabase;
  let fake: FakeBotApi;
  let crypto: Crypto;
  let chatLocks: ChatLocks;
  let clientele: ClienteleBot;
  /** Another process holding a chat's turn (chat-lock.ts's key), until released. */
  let other: pg.Client;

  beforeAll(async () => {
    t = await createTestDatabase('fault_retry');
    crypto = await testCrypto();
    other = new pg.Client({ connectionString: t.url });
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await t.drop();
  });

  async function start(): Promise<void> {
    // Each fake Bot API numbers its updates from the same id: a new bot, a new table.
    await t.db.deleteFrom('processed_updates').execute();
    fake = await startFakeBotApi();
    chatLocks = createChatLocks(t.handle.pool, { waitMs: 300 });
    clientele = createBot({
      chatLocks,
      token: fake.token,
      apiRoot: fake.apiRoot,
      botInfo: fake.botInfo,
      db: t.db,
      crypto,
      ...createServices({ db: t.db, crypto, logger: silentLogger }),
      logger: silentLogger,
    });
  }
  async function finish(): Promise<void> {
    await chatLocks.close();
    await fake.close();
  }
  const hold = (chat: number) =>
    other.query(`SELECT pg_advisory_lock(${0x636c_6b31}, hashtext($1))`, [String(chat)]);
  const release = (chat: number) =>
    other.query(`SELECT pg_advisory_unlock(${0x636c_6b31}, hashtext($1))`, [String(chat)]);
  const claimed = async (updateId: number) =>
    (
      await t.db
        .selectFrom('processed_updates')
        .select('update_id')
        .where('update_id', '=', String(updateId))
        .execute()
    ).length;

  it('long polling: not confirmed past it, tried again until handled, and after a restart', async () => {
    await start();
    let polling = runPolling(clientele, silentLogger, {
      longPollSeconds: 1,
      firstDelayMs: 100,
      maxDelayMs: 400,
    });
    try {
      const stuck = fake.user({ language_code: 'en' });
      const free = fake.user({ language_code: 'en' });
      await hold(stuck.id);
      const stuckId = stuck.send('/help');
      free.send('/help');
      // Another chat in the same batch is answered meanwhile.
      expect((await free.nextReply()).text).toMatch(/What I can do/);
      await stuck.expectNoReply(1500);
      expect(await claimed(stuckId)).toBe(0);
      const offsets = () => fake.callsOf('getUpdates').map((c) => Number(c.params.offset ?? 0));
      expect(Math.max(...offsets())).toBeLessThanOrEqual(stuckId);

      // Stopped (or killed) before it could handle the update: the next start gets it again.
      await polling.stop();
      expect(Math.max(...offsets())).toBeLessThanOrEqual(stuckId);
      polling = runPolling(clientele, silentLogger, {
        longPollSeconds: 1,
        firstDelayMs: 100,
        maxDelayMs: 400,
      });
      await stuck.expectNoReply(800);
      await release(stuck.id);
      expect((await stuck.nextReply({ timeoutMs: 10_000 })).text).toMatch(/What I can do/);
      // Once: no second reply, one claim, and polling moved past it.
      const after = free.send('/help');
      expect((await free.nextReply({ timeoutMs: 10_000 })).text).toMatch(/What I can do/);
      await stuck.expectNoReply(300);
      expect(await claimed(stuckId)).toBe(1);
      await expect.poll(() => Math.max(...offsets()), { timeout: 5000 }).toBeGreaterThan(after);
    } finally {
      await polling.stop();
      await finish();
    }
  }, 60_000);

  it('webhook: answers 500 while it cannot handle the update, handles it once when delivered again', async () => {
    await start();
    const secret = 'fault-retry-webhook-secret';
    const path = webhookPath(crypto, fake.token);
    const app = Fastify();
    await app.register(
      createWebhookPlugin({ clientele, path, secret, crypto, logger: silentLogger }),
    );
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      fake.deliverTo(`${address}${path}`, secret);
      const user = fake.user({ language_code: 'en' });
      await hold(user.id);
      const id = user.send('/help');
      await expect.poll(() => fake.lastWebhookStatus, { timeout: 10_000 }).toBe(500);
      await user.expectNoReply(300);
      expect(await claimed(id)).toBe(0);

      await release(user.id);
      fake.lastWebhookStatus = undefined;
      fake.redeliver(id);
      expect((await user.nextReply({ timeoutMs: 10_000 })).text).toMatch(/What I can do/);
      await expect.poll(() => fake.lastWebhookStatus).toBe(200);
      fake.lastWebhookStatus = undefined;
      fake.redeliver(id);
      await expect.poll(() => fake.lastWebhookStatus).toBe(200);
      await user.expectNoReply(300);
      expect(await claimed(id)).toBe(1);
    } finally {
      await app.close();
      await finish();
    }
  }, 60_000);
});
