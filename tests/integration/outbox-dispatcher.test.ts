import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import { createServices, type Services } from '../../src/runtime.js';
import { type FakeBotApi, startFakeBotApi } from '../helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { waitFor } from '../helpers/wait.js';

/** Polls `check` until it holds; fails after `timeoutMs`. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  await waitFor(check, { timeout: timeoutMs, what: 'the dispatcher' });
}

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
    // A new fake Telegram numbers its users from the start again: they are new chats.
    await t.db.deleteFrom('chat_sends').execute();
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

  const VISIT = '00000000-0000-4000-8000-000000000001';

  async function queue(n: number, prefix: string, chats: number[]): Promise<void> {
    for (let i = 0; i < n; i++) {
      const chatId = chats[i % chats.length] ?? 0;
      await enqueueMessage(t.db, crypto, {
        dedupeKey: `${prefix}:${i}`,
        chatId,
        clientId: null,
        kind: 'test',
        message: {
          text: `${prefix} ${i}`,
          buttons: [[{ text: 'OK', intent: { kind: 'confirm-visit', visitId: VISIT } }]],
        },
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
    // Per-chat pacing spreads the second message of each chat a second later.
    const d = dispatcher({ loop: true, idleMs: 100 });
    await until(() => sentTexts().filter((x) => x.startsWith('once')).length >= 6);
    await d.stop();
    const times = fake
      .callsOf('sendMessage')
      .filter((c) => Number(c.params.chat_id) === users[0]?.id)
      .map((c) => c.at);
    expect(times).toHaveLength(2);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(
      sentTexts()
        .filter((x) => x.startsWith('once'))
        .sort(),
    ).toEqual(['once 0', 'once 1', 'once 2', 'once 3', 'once 4', 'once 5']);
    expect(users[0]?.messages[0]?.reply_markup?.inline_keyboard?.[0]?.[0]).toMatchObject({
      text: 'OK',
      callback_data: `rv:ok:${VISIT}`,
    });
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
    const started = Date.now();
    const d = dispatcher({ loop: true, idleMs: 100 });
    await until(() => users.every((u) => u.messages.length > 0));
    await d.stop();
    expect(users.map((u) => u.messages.map((m) => m.text))).toEqual([
      ['storm 0'],
      ['storm 1'],
      ['storm 2'],
      ['storm 3'],
      ['storm 4'],
    ]);
    expect(fake.callsOf('sendMessage')).toHaveLength(8);
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
      .set({ not_before: sql`now() + interval '1 minute'`, attempts: 1 })
      .where('dedupe_key', 'like', 'crash:%')
      .execute();
    const d = dispatcher();
    expect(await d.runOnce()).toBe(0);
    // Its lease runs out.
    await t.db
      .updateTable('outbox')
      .set({ not_before: sql`now()` })
      .where('dedupe_key', 'like', 'crash:%')
      .execute();
    expect(await d.runOnce()).toBe(3);
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
    const { later } = await t.db
      .selectFrom('outbox')
      .select(sql<boolean>`not_before > now()`.as('later'))
      .where('dedupe_key', '=', 'err:500')
      .executeTakeFirstOrThrow();
    expect(later).toBe(true);
    await enqueueMessage(t.db, crypto, {
      dedupeKey: 'err:400',
      chatId: fake.user().id,
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
