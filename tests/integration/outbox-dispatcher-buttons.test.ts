import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { enqueueMessage, type OutboxMessage } from '../../src/domain/outbox/outbox.js';
import { startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import { type FakeBotApi, startFakeBotApi } from '../helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const VISIT = '3f2a9c1e-7b4d-4e8a-9f6c-1d2e3f4a5b6c';
/** A payload as stored: rows queued before intents hold `{text, data}` buttons. */
const stored = (message: unknown) => message as OutboxMessage;

describe('outbox dispatcher: buttons', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let fake: FakeBotApi;
  beforeAll(async () => {
    t = await createTestDatabase('outbox_buttons');
    crypto = await testCrypto();
    fake = await startFakeBotApi();
  });
  afterAll(async () => {
    await fake?.close();
    await t?.drop();
  });

  const send = async (dedupeKey: string, message: OutboxMessage) => {
    const user = fake.user();
    await enqueueMessage(t.db, crypto, {
      dedupeKey,
      chatId: user.id,
      clientId: null,
      kind: 'test',
      message,
    });
    const d = startDispatcher({
      db: t.db,
      crypto,
      logger: silentLogger,
      token: fake.token,
      apiRoot: fake.apiRoot,
      loop: false,
      perChatGapMs: 0,
    });
    expect(await d.runOnce()).toBe(1);
    await d.stop();
    return (await user.nextReply()).reply_markup;
  };

  it("encodes the domain's intents through the bot's callback data", async () => {
    const markup = await send(
      'intents',
      stored({
        text: 'Как прошёл визит?',
        buttons: [
          [1, 5].map((score) => ({
            text: '★'.repeat(score),
            intent: { kind: 'rate-visit', visitId: VISIT, score },
          })),
          [{ text: 'Готово', intent: { kind: 'visit-done', visitId: VISIT } }],
        ],
      }),
    );
    expect(markup?.inline_keyboard).toEqual([
      [
        { text: '★', callback_data: `rate:${VISIT}:1` },
        { text: '★★★★★', callback_data: `rate:${VISIT}:5` },
      ],
      [{ text: 'Готово', callback_data: `mv:done:${VISIT}` }],
    ]);
  });

  it('still sends rows queued before the upgrade, with their callback data as written', async () => {
    const markup = await send(
      'legacy',
      stored({
        text: 'Напоминание',
        buttons: [[{ text: '✅ Приду', data: `rv:ok:${VISIT}` }]],
      }),
    );
    expect(markup?.inline_keyboard).toEqual([
      [{ text: '✅ Приду', callback_data: `rv:ok:${VISIT}` }],
    ]);
    const row = await t.db
      .selectFrom('outbox')
      .select('status')
      .where('dedupe_key', '=', 'legacy')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('sent');
  });
});
