import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import { createServices, type Services } from '../../src/runtime.js';
import { type FakeBotApi, startFakeBotApi } from '../helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const SYSTEM = { type: 'system' as const, id: null };

describe('outbox dispatcher', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let fake: FakeBotApi;
  let services: Services;
  beforeAll(async () => {
    t = await createTestDatabase('outbox');
    crypto = await testCrypto();
    services = createServices({ db: t.db, crypto, logger: silentLogger });
  });
  beforeEach(async () => {
    await fake?.close();
    fake = await startFakeBotApi();
  });
  afterAll(async () => {
    await fake?.close();
    await t.drop();
  });

  const dispatcher = (extra: Partial<Parameters<typeof startDispatcher>[0]> = {}) =>
    startDispatcher({
      db: t.db,
      crypto,
      logger: silentLogger,
      token: fake.token,
      apiRoot: fake.apiRoot,
      ratePerSecond: 200,
      loop: false,
      ...extra,
    });

  async function queue(n: number, prefix: string, chats: number[]): Promise<void> {
    for (let i = 0; i < n; i++) {
      const chatId = chats[i % chats.length] ?? 0;
      await enqueueMessage(t.db, crypto, {
        dedupeKey: `${prefix}:${i}`,
        chatId,
        clientId: null,
        kind: 'test',
        message: { text: `${prefix} ${i}`, buttons: [[{ text: 'OK', data: 'ok' }]] },
      });
    }
  }

  const sentTexts = () => fake.callsOf('sendMessage').map((c) => String(c.params.text));

  it('sends each queued message once, with its buttons, and never twice for a repeated key', async () => {
    const users = [fake.user(), fake.user(), fake.user()];
    await queue(
      6,
      'once',
      users.map((u) => u.id),
    );
    expect(
      await enqueueMessage(t.db, crypto, {
        dedupeKey: 'once:0',
        chatId: users[0]?.id ?? 0,
        clientId: null,
        kind: 'test',
        message: { text: 'again' },
      }),
    ).toBe(false);
    const d = dispatcher();
    // Per-chat pacing spreads the second message of each chat a second later.
    for (let i = 0; i < 5 && sentTexts().filter((x) => x.startsWith('once')).length < 6; i++) {
      await d.runOnce();
      await new Promise((r) => setTimeout(r, 400));
    }
    await d.stop();
    expect(
      sentTexts()
        .filter((x) => x.startsWith('once'))
        .sort(),
    ).toEqual(['once 0', 'once 1', 'once 2', 'once 3', 'once 4', 'once 5']);
    expect(users[0]?.messages[0]?.reply_markup?.inline_keyboard?.[0]?.[0]?.text).toBe('OK');
    const rows = await t.db
      .selectFrom('outbox')
      .select('status')
      .where('dedupe_key', 'like', 'once:%')
      .execute();
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
  });

  it('shares the work between two dispatchers without sending a row twice', async () => {
    const users = Array.from({ length: 40 }, () => fake.user());
    await queue(
      40,
      'two',
      users.map((u) => u.id),
    );
    const a = dispatcher({ batchSize: 7 });
    const b = dispatcher({ batchSize: 7 });
    for (let i = 0; i < 6; i++) await Promise.all([a.runOnce(), b.runOnce()]);
    await Promise.all([a.stop(), b.stop()]);
    const sent = sentTexts().filter((x) => x.startsWith('two'));
    expect(sent).toHaveLength(40);
    expect(new Set(sent).size).toBe(40);
  });

  it('waits out a 429 storm and loses nothing', async () => {
    const users = Array.from({ length: 5 }, () => fake.user());
    await queue(
      5,
      'storm',
      users.map((u) => u.id),
    );
    fake.failNext(
      'sendMessage',
      {
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
      },
      3,
    );
    const d = dispatcher();
    const started = Date.now();
    while (
      sentTexts().filter((x) => x.startsWith('storm')).length < 5 &&
      Date.now() - started < 10_000
    ) {
      await d.runOnce();
      await new Promise((r) => setTimeout(r, 200));
    }
    await d.stop();
    expect(
      sentTexts()
        .filter((x) => x.startsWith('storm'))
        .sort(),
    ).toEqual(['storm 0', 'storm 1', 'storm 2', 'storm 3', 'storm 4']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('marks a client who blocked the bot and stops messaging them', async () => {
    const blocker = fake.user();
    const client = await services.clients.create(
      { name: 'Blocker', phone: '+79161234400', telegramUserId: blocker.id },
      SYSTEM,
    );
    fake.blockBy(blocker.id);
    await enqueueMessage(t.db, crypto, {
      dedupeKey: 'block:1',
      chatId: blocker.id,
      clientId: client.id,
      kind: 'test',
      message: { text: 'first' },
    });
    const d = dispatcher();
    await d.runOnce();
    expect((await services.clients.get(client.id, SYSTEM))?.blockedBotAt).toBeInstanceOf(Date);
    const calls = fake.callsOf('sendMessage').length;
    await enqueueMessage(t.db, crypto, {
      dedupeKey: 'block:2',
      chatId: blocker.id,
      clientId: client.id,
      kind: 'test',
      message: { text: 'second' },
    });
    await d.runOnce();
    await d.stop();
    expect(fake.callsOf('sendMessage').length).toBe(calls);
    const rows = await t.db
      .selectFrom('outbox')
      .select(['status', 'last_error'])
      .where('dedupe_key', 'like', 'block:%')
      .execute();
    expect(rows).toEqual([
      { status: 'dead', last_error: 'blocked by the user' },
      { status: 'dead', last_error: 'blocked by the user' },
    ]);
  });

  it('picks up rows a crashed dispatcher had claimed, once its lease runs out', async () => {
    const user = fake.user();
    await queue(3, 'crash', [user.id, user.id + 100_000, user.id + 200_000]);
    // A dispatcher claims the rows and dies before sending anything.
    await t.db
      .updateTable('outbox')
      .set({ not_before: new Date(Date.now() + 1500), attempts: 1 })
      .where('dedupe_key', 'like', 'crash:%')
      .execute();
    const d = dispatcher({ leaseSeconds: 1 });
    expect(await d.runOnce()).toBe(0);
    await new Promise((r) => setTimeout(r, 1600));
    await d.runOnce();
    await d.stop();
    expect(
      sentTexts()
        .filter((x) => x.startsWith('crash'))
        .sort(),
    ).toEqual(['crash 0', 'crash 1', 'crash 2']);
  });

  it('retries network and server errors with backoff, and gives up on bad requests', async () => {
    const user = fake.user();
    await enqueueMessage(t.db, crypto, {
      dedupeKey: 'err:500',
      chatId: user.id,
      clientId: null,
      kind: 'test',
      message: { text: 'server error' },
    });
    fake.failNext('sendMessage', { error_code: 500, description: 'Internal Server Error' });
    const d = dispatcher();
    await d.runOnce();
    const row = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', 'err:500')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.not_before.getTime()).toBeGreaterThan(Date.now());
    await enqueueMessage(t.db, crypto, {
      dedupeKey: 'err:400',
      chatId: user.id,
      clientId: null,
      kind: 'test',
      message: { text: 'bad' },
    });
    fake.failNext('sendMessage', {
      error_code: 400,
      description: 'Bad Request: message text is empty',
    });
    await d.runOnce();
    await d.stop();
    const bad = await t.db
      .selectFrom('outbox')
      .select(['status', 'last_error'])
      .where('dedupe_key', '=', 'err:400')
      .executeTakeFirstOrThrow();
    expect(bad).toEqual({ status: 'dead', last_error: '400: Bad Request: message text is empty' });
  });
});
