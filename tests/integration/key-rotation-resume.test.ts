import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  conversationKey,
  createConversationStore,
} from '../../src/bot/conversations/conversation-store.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import { KeyError } from '../../src/crypto/errors.js';
import { SYSTEM_ACTOR } from '../../src/domain/actor.js';
import { type Client, ClientService } from '../../src/domain/clients/client-service.js';
import { rotateKeys } from '../../src/domain/keys/rotate-keys.js';
import { enqueueMessage, readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { randomKey, silentLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

/** A Crypto that fails at the n-th call of one method, as a crash or kill would stop a run. */
function crashingAt(crypto: Crypto, method: 'wrapDataKey' | 'encryptSystem', n: number): Crypto {
  let calls = 0;
  return new Proxy(crypto, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop === method) {
        return (...args: unknown[]) => {
          calls++;
          if (calls === n) throw new Error('simulated crash');
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

const b64 = (key: Uint8Array) => Buffer.from(key).toString('base64');

describe('key rotation: interrupted runs, index widths, the CLI', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('rotationresume');
  });
  afterAll(() => t.drop());

  async function seed(crypto: Crypto, count: number, prefix: string): Promise<Client[]> {
    const service = new ClientService({
      db: t.db,
      crypto,
      logger: silentLogger,
      clock: () => new Date(),
    });
    const made: Client[] = [];
    for (let i = 0; i < count; i++) {
      made.push(
        await service.create(
          {
            name: `${prefix} Номер${i}`,
            phone: `+7925${prefix === 'Ирина' ? 1 : 2}${String(100_000 + i)}`,
            birthday: { day: (i % 27) + 1, month: 4, year: i % 3 ? 1990 : null },
            notes: `заметка ${i}`,
            allergies: i % 2 ? 'орехи' : null,
            preferences: 'утро',
          },
          SYSTEM_ACTOR,
        ),
      );
    }
    return made;
  }

  async function expectReadable(crypto: Crypto, made: Client[]): Promise<void> {
    const service = new ClientService({
      db: t.db,
      crypto,
      logger: silentLogger,
      clock: () => new Date(),
    });
    for (const old of made) {
      const now = await service.findById(old.id);
      expect(now).toMatchObject({
        name: old.name,
        phone: old.phone,
        birthday: old.birthday,
        notes: old.notes,
        allergies: old.allergies,
        preferences: old.preferences,
      });
    }
  }

  it('a run that stops half-way leaves every row readable, and running again finishes', async () => {
    const keyA = randomKey();
    const keyB = randomKey();
    const underA = await testCrypto({ masterKey: keyA });
    const made = await seed(underA, 20, 'Ирина');
    const store = createConversationStore<{ step: string }>(t.db, underA);
    for (let chat = 1; chat <= 5; chat++) {
      await store.write(conversationKey(chat, 'registration'), { step: `шаг ${chat}` });
      await enqueueMessage(t.db, underA, {
        dedupeKey: `resume-${chat}`,
        chatId: chat,
        clientId: made[chat]?.id ?? null,
        kind: 'test',
        message: { text: `текст ${chat}` },
      });
    }

    const both = await testCrypto({ masterKey: keyB, previousKeys: [keyA] });
    // Dies while re-encrypting the second batch of clients: the first batch is committed.
    await expect(
      rotateKeys({
        db: t.db,
        crypto: crashingAt(both, 'wrapDataKey', 9),
        logger: silentLogger,
        batchSize: 6,
      }),
    ).rejects.toThrow('simulated crash');
    const wrapped = await t.db.selectFrom('clients').select(['id', 'data_key']).execute();
    const underB = wrapped.filter((r) => !both.isWrappedUnderOldKey(r.data_key));
    expect(underB).toHaveLength(6);
    await expectReadable(both, made);

    // Dies again, now among the system rows.
    await expect(
      rotateKeys({
        db: t.db,
        crypto: crashingAt(both, 'encryptSystem', 3),
        logger: silentLogger,
        batchSize: 2,
      }),
    ).rejects.toThrow('simulated crash');
    await expectReadable(both, made);
    for (let chat = 1; chat <= 5; chat++) {
      expect(
        await createConversationStore(t.db, both).read(conversationKey(chat, 'registration')),
      ).toEqual({
        step: `шаг ${chat}`,
      });
    }

    const result = await rotateKeys({ db: t.db, crypto: both, logger: silentLogger, batchSize: 6 });
    expect(result.clients).toBe(20);
    expect(result.systemRows).toBeGreaterThan(0);
    expect(result.systemRows).toBeLessThan(10); // what the crashed run had done stays done

    const onlyB = await testCrypto({ masterKey: keyB });
    await expectReadable(onlyB, made);
    const service = new ClientService({
      db: t.db,
      crypto: onlyB,
      logger: silentLogger,
      clock: () => new Date(),
    });
    const target = made[13] as Client;
    expect((await service.findByPhone(target.phone ?? '')).map((c) => c.id)).toEqual([target.id]);
    expect((await service.findByName('номер13 ирина')).map((c) => c.id)).toEqual([target.id]);
    expect((await service.findByBirthday(4, 14)).map((c) => c.id)).toEqual([target.id]);
    for (let chat = 1; chat <= 5; chat++) {
      expect(
        await createConversationStore(t.db, onlyB).read(conversationKey(chat, 'registration')),
      ).toEqual({
        step: `шаг ${chat}`,
      });
      const row = await t.db
        .selectFrom('outbox')
        .selectAll()
        .where('dedupe_key', '=', `resume-${chat}`)
        .executeTakeFirstOrThrow();
      expect(readOutboxMessage(onlyB, row).text).toBe(`текст ${chat}`);
    }
    // Only A can open nothing any more.
    const onlyA = await testCrypto({ masterKey: keyA });
    for (const row of await t.db
      .selectFrom('clients')
      .select(['id', 'data_key'])
      .where('erased_at', 'is', null)
      .execute()) {
      expect(() => onlyA.unwrapDataKey(row.id, row.data_key)).toThrow(KeyError);
    }

    // Finished state is stable: rotating again changes no system row and keeps everything.
    const again = await rotateKeys({ db: t.db, crypto: both, logger: silentLogger });
    expect(again.systemRows).toBe(0);
    await expectReadable(onlyB, made);
    await t.db.deleteFrom('outbox').execute();
    await t.db.deleteFrom('conversation_state').execute();
    for (const c of made) await service.erase(c.id, SYSTEM_ACTOR);
  });

  it('rebuilds the indexes for a new EXPECTED_CLIENTS with the same key', async () => {
    const key = randomKey();
    const small = await testCrypto({ masterKey: key, expectedClients: 100 });
    const made = await seed(small, 12, 'Олег');
    const large = await testCrypto({ masterKey: key, expectedClients: 1_000_000 });
    expect(large.indexBitsOf('phone')).toBeGreaterThan(small.indexBitsOf('phone'));
    const target = made[5] as Client;
    const before = new ClientService({
      db: t.db,
      crypto: large,
      logger: silentLogger,
      clock: () => new Date(),
    });
    expect(await before.findByPhone(target.phone ?? '')).toEqual([]); // stale widths
    expect(await rotateKeys({ db: t.db, crypto: large, logger: silentLogger })).toEqual({
      clients: 12,
      systemRows: 0,
    });
    expect((await before.findByPhone(target.phone ?? '')).map((c) => c.id)).toEqual([target.id]);
    expect((await before.findByName('олег номер5')).map((c) => c.id)).toEqual([target.id]);
    await expectReadable(large, made);
    for (const c of made) await before.erase(c.id, SYSTEM_ACTOR);
  });

  it('stops with a KeyError naming the row (by id only) when an old key is missing', async () => {
    const keyA = randomKey();
    const made = await seed(await testCrypto({ masterKey: keyA }), 3, 'Ирина');
    const withoutA = await testCrypto({ masterKey: randomKey() });
    const err = await rotateKeys({ db: t.db, crypto: withoutA, logger: silentLogger }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KeyError);
    const message = (err as Error).message;
    expect(message).toMatch(/^client [0-9a-f-]{36}: /);
    expect(message).not.toMatch(/Ирина|7925|заметка|орехи/);
    await expectReadable(await testCrypto({ masterKey: keyA }), made);
    for (const c of made) {
      await new ClientService({
        db: t.db,
        crypto: await testCrypto({ masterKey: keyA }),
        logger: silentLogger,
        clock: () => new Date(),
      }).erase(c.id, SYSTEM_ACTOR);
    }
  });

  it('npm run rotate-key: counts on success, one line and exit 1 on error', async () => {
    const keyA = randomKey();
    const keyB = randomKey();
    const underA = await testCrypto({ masterKey: keyA });
    const made = await seed(underA, 3, 'Вера');
    await createConversationStore(t.db, underA).write(conversationKey(77, 'x'), { a: 1 });

    const cli = (env: Record<string, string>) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', path.resolve('src/cli/rotate-key.ts')],
          {
            env: {
              PATH: process.env.PATH ?? '',
              HOME: process.env.HOME ?? '/root',
              DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'clientele-rotate-')),
              DATABASE_URL: t.url,
              ...env,
            },
          },
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (c) => {
          out += c;
        });
        child.stderr.on('data', (c) => {
          err += c;
        });
        child.on('exit', (code) => resolve({ code, out, err }));
      });

    const malformed = await cli({ CLIENTELE_MASTER_KEY: 'short' });
    expect(malformed.code).toBe(1);
    expect(malformed.err.trim().split('\n')).toHaveLength(1);
    expect(malformed.err).toMatch(/^rotate-key: CLIENTELE_MASTER_KEY is malformed/);

    const missingOld = await cli({ CLIENTELE_MASTER_KEY: b64(keyB) });
    expect(missingOld.code).toBe(1);
    const lines = missingOld.err.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^rotate-key: client [0-9a-f-]{36}: .*CLIENTELE_PREVIOUS_KEYS/);
    expect(lines.filter((l) => l.startsWith('rotate-key: client'))).toHaveLength(1);
    expect(missingOld.err).not.toMatch(/\n\s+at /); // no stack trace

    const ok = await cli({ CLIENTELE_MASTER_KEY: b64(keyB), CLIENTELE_PREVIOUS_KEYS: b64(keyA) });
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^re-encrypted 3 clients and 1 other rows under the current key/);

    const onlyB = await testCrypto({ masterKey: keyB });
    await expectReadable(onlyB, made);
    expect(await createConversationStore(t.db, onlyB).read(conversationKey(77, 'x'))).toEqual({
      a: 1,
    });
  }, 60_000);
});
