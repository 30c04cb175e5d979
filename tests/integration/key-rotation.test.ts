import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  conversationKey,
  createConversationStore,
} from '../../src/bot/conversations/conversation-store.js';
import { DecryptionError, KeyError } from '../../src/crypto/errors.js';
import { type Client, ClientService } from '../../src/domain/clients/client-service.js';
import { rotateKeys } from '../../src/domain/keys/rotate-keys.js';
import { ClientMessages } from '../../src/domain/messages/client-messages.js';
import { enqueueMessage, readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { randomKey, silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

describe('key rotation', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('rotation');
  });
  afterAll(() => t.drop());

  it('re-encrypts everything so the old key can be removed', async () => {
    const keyA = randomKey();
    const keyB = randomKey();
    const underA = await testCrypto({ masterKey: keyA });
    const before = new ClientService({
      db: t.db,
      crypto: underA,
      logger: silentLogger,
      clock: () => new Date(),
    });
    const made: Client[] = [];
    for (let i = 0; i < 25; i++) {
      made.push(
        await before.create(
          {
            name: `Клиент ${i} Тестов`,
            phone: `+7916${String(7_000_000 + i)}`,
            birthday: { day: 10, month: 6, year: 1980 + i },
            allergies: i % 2 ? 'пыльца' : null,
          },
          SYSTEM,
        ),
      );
    }
    const erased = await before.create({ name: 'Стёртый', phone: '+79169990000' }, SYSTEM);
    await before.erase(erased.id, SYSTEM);
    await enqueueMessage(t.db, underA, {
      dedupeKey: 'k1',
      chatId: 1,
      clientId: null,
      kind: 'test',
      message: { text: 'queued text' },
    });
    await createConversationStore<{ a: string }>(t.db, underA).write(
      conversationKey(5, 'conversations'),
      { a: 'typed allergy' },
    );
    await new ClientMessages(t.db, underA).submit({
      telegramUserId: 5,
      clientId: null,
      body: 'message body',
    });

    const rotating = await testCrypto({ masterKey: keyB, previousKeys: [keyA] });
    const first = await rotateKeys({
      db: t.db,
      crypto: rotating,
      logger: silentLogger,
      batchSize: 7,
    });
    expect(first).toEqual({ clients: 25, systemRows: 3 });
    const again = await rotateKeys({ db: t.db, crypto: rotating, logger: silentLogger });
    expect(again).toEqual({ clients: 25, systemRows: 0 });

    const onlyB = await testCrypto({ masterKey: keyB });
    const after = new ClientService({
      db: t.db,
      crypto: onlyB,
      logger: silentLogger,
      clock: () => new Date(),
    });
    for (const old of made) {
      const now = await after.get(old.id, SYSTEM);
      expect(now).toMatchObject({
        name: old.name,
        phone: old.phone,
        birthday: old.birthday,
        allergies: old.allergies,
      });
    }
    expect((await after.findByPhone('+79167000013')).map((c) => c.id)).toEqual([made[13]?.id]);
    expect((await after.findByName('клиент 13')).map((c) => c.id)).toEqual([made[13]?.id]);
    expect((await after.findByBirthday(6, 10)).length).toBe(25);
    const outbox = await t.db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
    expect(readOutboxMessage(onlyB, outbox).text).toBe('queued text');
    expect(
      await createConversationStore<{ a: string }>(t.db, onlyB).read(
        conversationKey(5, 'conversations'),
      ),
    ).toEqual({ a: 'typed allergy' });
    expect((await new ClientMessages(t.db, onlyB).latest()).map((m) => m.body)).toEqual([
      'message body',
    ]);

    const row = await t.db
      .selectFrom('clients')
      .select(['id', 'data_key'])
      .where('id', '=', made[0]?.id ?? '')
      .executeTakeFirstOrThrow();
    expect(() => underA.unwrapDataKey(row.id, row.data_key)).toThrow(KeyError);
    const oldCipher = await t.db
      .selectFrom('clients')
      .select('phone_enc')
      .where('id', '=', made[0]?.id ?? '')
      .executeTakeFirstOrThrow();
    const oldDataKey = underA.newDataKey();
    expect(() =>
      underA.decrypt(
        oldDataKey,
        { table: 'clients', column: 'phone_enc', rowId: made[0]?.id ?? '' },
        oldCipher.phone_enc ?? new Uint8Array(),
      ),
    ).toThrow(DecryptionError);
  });
});
