import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  conversationKey,
  createConversationStore,
} from '../../src/bot/conversations/conversation-store.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import { DecryptionError, KeyError } from '../../src/crypto/errors.js';
import type { Actor } from '../../src/domain/actor.js';
import { type Client, ClientService } from '../../src/domain/clients/client-service.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { ClientMessages } from '../../src/domain/messages/client-messages.js';
import { grantedAmong, recordConsents } from '../../src/domain/onboarding/consents.js';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { createLogger } from '../../src/logger.js';
import { testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const staff: Actor = { type: 'staff', id: '00000000-0000-4000-8000-0000000000aa', ip: '10.0.0.7' };

const ksenia = {
  name: 'Ксения Ёжикова',
  phone: '8 (903) 555-12-34',
  birthday: { day: 7, month: 9, year: 1985 },
  notes: 'любит зелёный чай',
  allergies: 'пенициллин',
  preferences: 'мастер Ольга',
  tags: ['vip'],
};

/** Every form in which Ksenia's data could appear if it leaked. */
const SECRETS = [
  'Ксения',
  'Ёжикова',
  'ежикова',
  'ЕЖИКОВА',
  '+79035551234',
  '79035551234',
  '9035551234',
  '555-12-34',
  '1985-09-07',
  '--09-07',
  '07.09.1985',
  'зелёный чай',
  'пенициллин',
  'мастер Ольга',
  'Жасмин',
  'аллергия на пыльцу',
];

function utf8Hex(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex');
}

/** Every row of every table in the database, as text, with bytea as hex. */
async function dumpDatabase(t: TestDatabase): Promise<string> {
  const { rows: tables } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(t.db);
  expect(tables.map((r) => r.name)).toContain('clients');
  const parts: string[] = [];
  for (const { name } of tables) {
    const { rows } = await sql<{ j: string }>`
      SELECT row_to_json(x)::text AS j FROM ${sql.table(name)} x`.execute(t.db);
    parts.push(`${name}:`, ...rows.map((r) => r.j));
  }
  return parts.join('\n');
}

function expectNoSecrets(text: string, secrets: readonly string[] = SECRETS): void {
  const lower = text.toLowerCase();
  for (const secret of secrets) {
    expect(text, secret).not.toContain(secret);
    expect(lower, `${secret} as UTF-8 hex`).not.toContain(utf8Hex(secret));
    expect(lower, `${secret} escaped`).not.toContain(
      JSON.stringify(secret).slice(1, -1).toLowerCase(),
    );
  }
}

describe('clients: privacy, search, erasure, validation, logs', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let clients: ClientService;
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('clientsprivacy');
    crypto = await testCrypto({ expectedClients: 100 });
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    clients = new ClientService({
      db: t.db,
      crypto,
      logger: createLogger({ level: 'trace' }, stream),
      clock: () => new Date(),
    });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('reads a page of clients and their latest health consent in one go', async () => {
    const a = await clients.create({ name: 'Пакет Один', allergies: 'пыль' }, staff);
    const b = await clients.create({ name: 'Пакет Два' }, staff);
    const c = await clients.create({ name: 'Пакет Три' }, staff);
    await recordConsents(t.db, a.id, [{ purpose: 'health_data', granted: true }], 'panel');
    await recordConsents(t.db, b.id, [{ purpose: 'health_data', granted: true }], 'panel');
    // The latest decision counts: b withdrew.
    await recordConsents(t.db, b.id, [{ purpose: 'health_data', granted: false }], 'panel');
    await clients.erase(c.id, staff);
    const found = await clients.findManyById([a.id, b.id, c.id, a.id, 'not-an-id']);
    expect([...found.keys()].sort()).toEqual([a.id, b.id].sort());
    expect(found.get(a.id)?.allergies).toBe('пыль');
    expect(await grantedAmong(t.db, [a.id, b.id, c.id], 'health_data')).toEqual(new Set([a.id]));
    expect(await grantedAmong(t.db, [], 'health_data')).toEqual(new Set());
  });

  it('round-trips every field through create, get and update', async () => {
    const created = await clients.create({ ...ksenia, telegramUserId: 9001, locale: 'en' }, staff);
    expect(created).toMatchObject({
      name: 'Ксения Ёжикова',
      phone: '+79035551234',
      birthday: { day: 7, month: 9, year: 1985 },
      notes: 'любит зелёный чай',
      allergies: 'пенициллин',
      preferences: 'мастер Ольга',
      telegramUserId: 9001,
      locale: 'en',
      tags: ['vip'],
      erasedAt: null,
    });
    expect(await clients.get(created.id, staff)).toEqual(created);
    expect(await clients.getByTelegramId(9001)).toEqual(created);
    const updated = await clients.update(
      created.id,
      { notes: 'новая заметка: Жасмин', preferences: null, phone: '+7 903 555 12 34' },
      staff,
    );
    expect(updated).toMatchObject({
      name: 'Ксения Ёжикова',
      phone: '+79035551234',
      notes: 'новая заметка: Жасмин',
      preferences: null,
      allergies: 'пенициллин',
    });
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    expect(await clients.get(created.id, staff)).toEqual(updated);
    await clients.erase(created.id, staff);
  });

  it('leaves no plaintext anywhere in PostgreSQL: clients, audit, outbox, state, messages', async () => {
    const c = await clients.create({ ...ksenia, telegramUserId: 9002 }, staff);
    await clients.update(c.id, { notes: 'новая заметка: Жасмин' }, staff);
    await clients.get(c.id, staff);
    await createConversationStore(t.db, crypto).write(conversationKey(9002, 'registration'), {
      typed: 'аллергия на пыльцу',
      name: c.name,
    });
    await new ClientMessages(t.db, crypto).submit({
      telegramUserId: 9002,
      clientId: c.id,
      body: 'аллергия на пыльцу, Ксения',
    });
    await enqueueMessage(t.db, crypto, {
      dedupeKey: `greeting:${c.id}`,
      chatId: 9002,
      clientId: c.id,
      kind: 'greeting',
      message: { text: 'Ксения Ёжикова, с днём рождения!' },
    });

    const raw = await sql<
      Record<string, unknown>
    >`SELECT * FROM clients WHERE id = ${c.id}`.execute(t.db);
    const row = raw.rows[0] ?? {};
    expect(Object.keys(row)).toEqual(expect.arrayContaining(['name_enc', 'phone_enc', 'data_key']));
    for (const [column, value] of Object.entries(row)) {
      const asText =
        value instanceof Uint8Array
          ? `${Buffer.from(value).toString('hex')} ${Buffer.from(value).toString('utf8')} ${Buffer.from(value).toString('latin1')}`
          : JSON.stringify(value);
      for (const secret of SECRETS) {
        expect(asText, `${column} holds ${secret}`).not.toContain(secret);
        expect(asText, `${column} holds ${secret} as hex`).not.toContain(utf8Hex(secret));
      }
    }
    expectNoSecrets(await dumpDatabase(t));
    await clients.erase(c.id, staff);
  });

  it('finds by phone in any format, by whole name words in any order, ё = е', async () => {
    const c = await clients.create({ ...ksenia, phone: '+7 903 555-12-35' }, staff);
    const alena = await clients.create({ name: 'Алена Семенова' }, staff);
    for (const q of [
      '89035551235',
      '8 (903) 555-12-35',
      '+7 903 555 12 35',
      '+7-903-555-12-35',
      '7 903 5551235',
      '9035551235',
    ]) {
      expect(
        (await clients.findByPhone(q)).map((x) => x.id),
        q,
      ).toEqual([c.id]);
    }
    for (const q of ['', 'garbage', '+7 903', "'); drop table clients;--", '89035551235 OR 1=1']) {
      expect(await clients.findByPhone(q), q).toEqual([]);
    }
    for (const q of ['Ксения', 'ёжикова', 'ЕЖИКОВА', 'ежикова ксения', '  Ёжикова,  КСЕНИЯ!  ']) {
      expect(
        (await clients.findByName(q)).map((x) => x.id),
        q,
      ).toEqual([c.id]);
    }
    for (const q of ['Ёжик', 'Ксен', 'Ксения Петрова', '%', '_', "'; --"]) {
      expect(await clients.findByName(q), q).toEqual([]);
    }
    for (const q of ['Алёна', 'семёнова алёна', 'АЛЕНА']) {
      expect(
        (await clients.findByName(q)).map((x) => x.id),
        q,
      ).toEqual([alena.id]);
    }
    const yearless = await clients.create(
      { name: 'Високосная', birthday: { day: 29, month: 2, year: null } },
      staff,
    );
    expect((await clients.findByBirthday(9, 7)).map((x) => x.id)).toContain(c.id);
    expect((await clients.findByBirthday(2, 29)).map((x) => x.id)).toEqual([yearless.id]);
    expect((await clients.findByBirthday(9, 8)).map((x) => x.id)).not.toContain(c.id);
    expect(await clients.get('00000000-0000-4000-8000-000000000000', staff)).toBeNull();
    expect(await clients.get("x' OR '1'='1", staff)).toBeNull();
    for (const id of [c.id, alena.id, yearless.id]) await clients.erase(id, staff);
  });

  // 300 clients created one by one (each encrypted and audited): a minute on a busy machine.
  it('with many clients per index value, searches still return only true matches', {
    timeout: 60_000,
  }, async () => {
    const made: Client[] = [];
    for (let i = 0; i < 300; i++) {
      made.push(
        await clients.create(
          {
            name: `Гость${i} Общий`,
            phone: `+7926${String(1_000_000 + i)}`,
            birthday: { day: (i % 28) + 1, month: (i % 12) + 1, year: null },
          },
          staff,
        ),
      );
    }
    // Collisions really happen at this width: fewer distinct values than clients.
    const { phones, names } = await t.db
      .selectFrom('clients')
      .select((eb) => [
        eb.fn.count<string>('phone_bidx').distinct().as('phones'),
        sql<string>`count(DISTINCT name_bidx[1])`.as('names'),
      ])
      .where('erased_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(phones)).toBeLessThan(150);
    expect(Number(names)).toBeLessThan(150);
    for (const i of [0, 77, 150, 299]) {
      const target = made[i] as Client;
      const sharing = await t.db
        .selectFrom('clients')
        .select('id')
        .where('phone_bidx', '=', crypto.blindIndex('phone', target.phone ?? ''))
        .execute();
      expect(sharing.length).toBeGreaterThan(1); // the index alone is ambiguous…
      expect((await clients.findByPhone(target.phone ?? '')).map((c) => c.id)).toEqual([target.id]); // …decryption settles it
      expect((await clients.findByName(`гость${i}`)).map((c) => c.id)).toEqual([target.id]);
      expect((await clients.findByName(`Общий Гость${i}`)).map((c) => c.id)).toEqual([target.id]);
    }
    expect(await clients.findByPhone('+79262000000')).toEqual([]);
    expect((await clients.findByName('общий')).length).toBe(300);
    const march3 = await clients.findByBirthday(3, 3);
    const expected = made.filter((c) => c.birthday?.month === 3 && c.birthday.day === 3);
    expect(march3.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());
    for (const c of made) await clients.erase(c.id, staff);
  });

  it('erasure destroys the key and everything about the client, and is audited', async () => {
    const c = await clients.create(
      { ...ksenia, phone: '+79035551236', telegramUserId: 9003 },
      staff,
    );
    await clients.update(c.id, { notes: 'новая заметка: Жасмин' }, staff);
    await clients.get(c.id, staff);
    const store = createConversationStore(t.db, crypto);
    await store.write(conversationKey(9003, 'profile'), { typed: 'аллергия на пыльцу' });
    await new ClientMessages(t.db, crypto).submit({
      telegramUserId: 9003,
      clientId: c.id,
      body: 'аллергия на пыльцу',
    });
    for (const [key, status, clientId] of [
      ['erase-pending', 'pending', c.id],
      ['erase-sent', 'sent', c.id],
      ['erase-dead', 'dead', c.id],
      ['erase-chat', 'sent', null],
    ] as const) {
      await enqueueMessage(t.db, crypto, {
        dedupeKey: key,
        chatId: 9003,
        clientId,
        kind: 'test',
        message: { text: 'Ксения, ждём вас' },
      });
      await t.db.updateTable('outbox').set({ status }).where('dedupe_key', '=', key).execute();
    }
    const other = await clients.create({ name: 'Другая Клиентка', telegramUserId: 9004 }, staff);
    await store.write(conversationKey(9004, 'profile'), { x: 1 });
    const before = await t.db
      .selectFrom('clients')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();

    await clients.erase(c.id, staff);

    expect(await clients.findByPhone('+79035551236')).toEqual([]);
    expect((await clients.findByName('Ксения')).map((x) => x.id)).not.toContain(c.id);
    expect((await clients.findByBirthday(9, 7)).map((x) => x.id)).not.toContain(c.id);
    expect(await clients.getByTelegramId(9003)).toBeNull();
    expect(await clients.findById(c.id)).toBeNull();
    const after = await clients.get(c.id, staff);
    expect(after).toMatchObject({
      id: c.id,
      name: null,
      phone: null,
      birthday: null,
      notes: null,
      allergies: null,
      preferences: null,
      telegramUserId: null,
      tags: [],
    });
    expect(after?.erasedAt).toBeInstanceOf(Date);
    const raw = await t.db
      .selectFrom('clients')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(raw.data_key).toHaveLength(0);
    expect(raw).toMatchObject({
      name_enc: null,
      phone_enc: null,
      birthday_enc: null,
      notes_enc: null,
      allergies_enc: null,
      preferences_enc: null,
      phone_bidx: null,
      name_bidx: [],
      birthday_bidx: null,
      telegram_user_id: null,
    });
    expect(raw.referral_code).not.toBe(before.referral_code);

    // What the live database holds can no longer open a ciphertext copied before erasure.
    const oldCiphertexts = [
      ['name_enc', before.name_enc],
      ['phone_enc', before.phone_enc],
      ['birthday_enc', before.birthday_enc],
      ['allergies_enc', before.allergies_enc],
    ] as const;
    const otherKey = crypto.unwrapDataKey(
      other.id,
      (
        await t.db
          .selectFrom('clients')
          .select('data_key')
          .where('id', '=', other.id)
          .executeTakeFirstOrThrow()
      ).data_key,
    );
    expect(() => crypto.unwrapDataKey(c.id, raw.data_key)).toThrow(DecryptionError);
    for (const [column, ciphertext] of oldCiphertexts) {
      expect(ciphertext).not.toBeNull();
      const place = { table: 'clients', column, rowId: c.id };
      const bytes = ciphertext as Uint8Array;
      expect(() => crypto.decrypt(otherKey, place, bytes)).toThrow(DecryptionError);
      expect(() => crypto.decrypt(otherKey, { ...place, rowId: other.id }, bytes)).toThrow(
        DecryptionError,
      );
      expect(() => crypto.decrypt(crypto.newDataKey(), place, bytes)).toThrow(DecryptionError);
      // Its header names a data key, not a master key: refused before any decryption.
      expect(() => crypto.decryptSystem(place, bytes)).toThrow(KeyError);
    }
    // Only the wrapped key of a backup taken before would still open them: backups must expire.
    const fromBackup = crypto.unwrapDataKey(c.id, before.data_key);
    expect(
      crypto.decrypt(
        fromBackup,
        { table: 'clients', column: 'phone_enc', rowId: c.id },
        before.phone_enc as Uint8Array,
      ),
    ).toBe('+79035551236');

    // Messages, state and queued or sent notices of that person are gone; others' stay.
    expect(
      await t.db.selectFrom('outbox').select('dedupe_key').where('chat_id', '=', '9003').execute(),
    ).toEqual([]);
    expect(
      await t.db
        .selectFrom('client_messages')
        .select('id')
        .where('telegram_user_id', '=', '9003')
        .execute(),
    ).toEqual([]);
    expect(await store.read(conversationKey(9003, 'profile'))).toBeUndefined();
    expect(await store.read(conversationKey(9004, 'profile'))).toEqual({ x: 1 });

    const audit = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_id', '=', c.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'view', 'erase', 'view']);
    expect(audit.every((a) => a.actor_id === staff.id && a.ip === staff.ip)).toBe(true);
    expect(audit.find((a) => a.action === 'create')?.details).toEqual({
      fields: [
        'allergies',
        'birthday',
        'name',
        'notes',
        'phone',
        'preferences',
        'tags',
        'telegramUserId',
      ],
    });
    expectNoSecrets(JSON.stringify(audit));
    expectNoSecrets(await dumpDatabase(t), [...SECRETS, '79035551236', 'ждём вас']);

    // The same phone and Telegram account may register again as a new person.
    const again = await clients.create(
      { name: 'Ксения Новая', phone: '+79035551236', telegramUserId: 9003 },
      staff,
    );
    expect((await clients.findByPhone('+79035551236')).map((x) => x.id)).toEqual([again.id]);
    await clients.erase(again.id, staff);
    await clients.erase(other.id, staff);
  });

  it('refuses bad input naming the field, and stores nothing at all', async () => {
    const counts = async () => {
      const [clientRows, auditRows] = await Promise.all([
        t.db
          .selectFrom('clients')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow(),
        t.db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow(),
      ]);
      return [Number(clientRows.n), Number(auditRows.n)];
    };
    const before = await counts();
    const future = { day: 1, month: 1, year: new Date().getFullYear() + 1 };
    const cases: [Parameters<ClientService['create']>[0], string, string][] = [
      [{ name: '' }, 'name', 'required'],
      [{ name: null }, 'name', 'required'],
      [{ name: '\u0000\u0007\u001b' }, 'name', 'required'],
      [{ name: ' \n\t ' }, 'name', 'required'],
      [{ name: '\u202e\u202c' }, 'name', 'required'],
      [{ name: 'Я'.repeat(10_000) }, 'name', 'too-long'],
      [{ name: 'Ok', phone: "'); drop table clients;--" }, 'phone', 'invalid'],
      [{ name: 'Ok', phone: '89161234567; drop table clients' }, 'phone', 'invalid'],
      [{ name: 'Ok', phone: '<script>alert(1)</script>' }, 'phone', 'invalid'],
      [{ name: 'Ok', phone: '12345' }, 'phone', 'invalid'],
      [{ name: 'Ok', birthday: { day: 31, month: 2, year: null } }, 'birthday', 'invalid'],
      [{ name: 'Ok', birthday: { day: 29, month: 2, year: 2023 } }, 'birthday', 'invalid'],
      [{ name: 'Ok', birthday: { day: 1, month: 1, year: 1899 } }, 'birthday', 'invalid'],
      [{ name: 'Ok', birthday: future }, 'birthday', 'in-future'],
      [{ name: 'Ok', allergies: 'a'.repeat(2001) }, 'allergies', 'too-long'],
      [{ name: 'Ok', tags: Array.from({ length: 31 }, (_, i) => `t${i}`) }, 'tags', 'too-many'],
      [{ name: 'Ok', referrerId: "'; drop table clients;--" }, 'referrerId', 'invalid'],
      [{ name: 'Ok', telegramUserId: 1.5 }, 'telegramUserId', 'invalid'],
    ];
    for (const [input, field, code] of cases) {
      const err = await clients.create(input, staff).catch((e: unknown) => e);
      expect(err, `${field}/${code}`).toBeInstanceOf(InvalidInputError);
      expect([(err as InvalidInputError).field, (err as InvalidInputError).code]).toEqual([
        field,
        code,
      ]);
      expect((err as Error).message).not.toMatch(/drop|script|ЯЯЯ/);
    }
    expect(await counts()).toEqual(before);

    // A failed update changes nothing either: not a field, not the audit log.
    const c = await clients.create({ name: 'Целая Запись', phone: '+79035550000' }, staff);
    const row = async () =>
      t.db.selectFrom('clients').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    const stored = await row();
    const afterCreate = await counts();
    for (const [patch, field] of [
      [{ notes: 'ok', phone: 'not a phone' }, 'phone'],
      [{ notes: 'ok', birthday: { day: 30, month: 2, year: null } }, 'birthday'],
      [{ notes: 'ok', name: '' }, 'name'],
      [{ notes: 'ok', name: '\u0000' }, 'name'],
      [{ notes: 'n'.repeat(4001) }, 'notes'],
    ] as const) {
      const err = await clients.update(c.id, patch, staff).catch((e: unknown) => e);
      expect((err as InvalidInputError).field).toBe(field);
    }
    expect(await row()).toEqual(stored);
    expect(await counts()).toEqual(afterCreate);

    // Hostile-looking text is just text: stored as typed (controls removed), found, harmless.
    const hostile = await clients.create(
      {
        name: "Robert'); DROP TABLE clients;-- <script>alert(1)</script>",
        notes: "' OR 1=1; --\u0000<img src=x onerror=alert(1)>",
      },
      staff,
    );
    const read = await clients.get(hostile.id, staff);
    expect(read?.name).toBe("Robert'); DROP TABLE clients;-- <script>alert(1)</script>");
    expect(read?.notes).toBe("' OR 1=1; --<img src=x onerror=alert(1)>");
    expect((await clients.findByName('drop table robert')).map((x) => x.id)).toEqual([hostile.id]);
    const cleaned = await clients.create({ name: 'Ан\u0000на\u202e Т' }, staff);
    expect(cleaned.name).toBe('Анна Т');
    for (const id of [c.id, hostile.id, cleaned.id]) await clients.erase(id, staff);
  });

  it('lets exactly one of several concurrent creates claim a Telegram account', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        clients.create(
          { name: `Гонка ${i}`, phone: `+7903111000${i}`, telegramUserId: 424242 },
          staff,
        ),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('23505');
    }
    const rows = await t.db
      .selectFrom('clients')
      .select('id')
      .where('telegram_user_id', '=', '424242')
      .execute();
    expect(rows).toHaveLength(1);
    // The losers left no audit entry behind either.
    const creates = await t.db
      .selectFrom('audit_log')
      .select('entity_id')
      .where('action', '=', 'create')
      .where('entity', '=', 'client')
      .execute();
    const ids = new Set((await t.db.selectFrom('clients').select('id').execute()).map((r) => r.id));
    expect(creates.every((a) => a.entity_id !== null && ids.has(a.entity_id))).toBe(true);
  });

  it('writes no personal data to the log, and redacts a client logged by mistake', async () => {
    logLines.length = 0;
    const c = await clients.create(
      { ...ksenia, phone: '+79035551237', telegramUserId: 9005 },
      staff,
    );
    await clients.update(
      c.id,
      { notes: 'новая заметка: Жасмин', allergies: 'аллергия на пыльцу' },
      staff,
    );
    await clients.findByPhone('+79035551237');
    await clients.findByName('Ксения Ёжикова');
    await clients.findByBirthday(9, 7);
    await clients.get(c.id, staff);
    await clients.update(c.id, { phone: 'bad 89035551237' }, staff).catch(() => undefined);
    await clients.erase(c.id, staff);
    const output = logLines.join('');
    expect(output).toMatch(/client created/);
    expect(output).toMatch(/client updated/);
    expect(output).toMatch(/client erased/);
    expect(output).toContain(c.id);
    expectNoSecrets(output, [...SECRETS, '79035551237']);

    // A careless line: the personal fields are replaced, the rest stays useful.
    logLines.length = 0;
    const logger = createLogger(
      { level: 'trace' },
      {
        write(line: string) {
          logLines.push(line);
        },
      },
    );
    logger.info({ client: c }, 'careless');
    logger.info({ clients: [c, c] }, 'careless list');
    logger.warn(c, 'careless top level');
    logger.info({ update: { message: { contact: { phone_number: '+79035551237' } } } }, 'update');
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const personal = ['name', 'phone', 'birthday', 'notes', 'allergies', 'preferences'] as const;
    const logged = [
      (lines[0]?.client ?? {}) as Record<string, unknown>,
      ...((lines[1]?.clients ?? []) as Record<string, unknown>[]),
      lines[2] ?? {},
    ];
    expect(logged).toHaveLength(4);
    for (const entry of logged) {
      for (const field of personal) expect(entry[field], field).toBe('[redacted]');
      expect(entry.id).toBe(c.id);
    }
    expectNoSecrets(logLines.join(''), [...SECRETS, '79035551237']);
  });
});
