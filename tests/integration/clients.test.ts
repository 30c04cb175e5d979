import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { Actor } from '../../src/domain/actor.js';
import { type Client, ClientService } from '../../src/domain/clients/client-service.js';
import { InvalidInputError, NotFoundError } from '../../src/domain/errors.js';
import { captureLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const owner: Actor = { type: 'staff', id: '00000000-0000-4000-8000-000000000001', ip: '127.0.0.1' };
const anna = {
  name: 'Анна Ёлкина',
  phone: '+7 916 123-45-67',
  birthday: { day: 14, month: 3, year: 1990 },
  notes: 'prefers mornings',
  allergies: 'латекс, лидокаин',
};
const PLAINTEXTS = [
  'Анна',
  'Ёлкина',
  'елкина',
  '79161234567',
  '1990-03-14',
  'prefers mornings',
  'латекс',
  'лидокаин',
];

describe('clients domain', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let clients: ClientService;
  let log: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    t = await createTestDatabase('clients');
    crypto = await testCrypto({ expectedClients: 100 });
    log = captureLogger();
    clients = new ClientService({ db: t.db, crypto, logger: log.logger, clock: () => new Date() });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('creates, reads and updates a client, decrypted', async () => {
    const created = await clients.create(anna, owner);
    expect(created).toMatchObject({
      name: 'Анна Ёлкина',
      phone: '+79161234567',
      birthday: { day: 14, month: 3, year: 1990 },
      allergies: 'латекс, лидокаин',
      locale: 'ru',
    });
    expect(created.referralCode).toMatch(/^[A-Za-z0-9_-]{11}$/);
    const read = await clients.get(created.id, owner);
    expect(read).toEqual(created);
    const updated = await clients.update(
      created.id,
      { notes: 'evenings now', birthday: null },
      owner,
    );
    expect(updated.notes).toBe('evenings now');
    expect(updated.birthday).toBeNull();
    expect(updated.name).toBe('Анна Ёлкина');
  });

  it('stores no plaintext personal data in PostgreSQL', async () => {
    const client = await clients.create(anna, owner);
    const { rows } = await sql<
      Record<string, unknown>
    >`SELECT * FROM clients WHERE id = ${client.id}`.execute(t.db);
    const row = rows[0];
    expect(row).toBeDefined();
    const dump = Object.values(row ?? {})
      .map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : JSON.stringify(v)))
      .join('|');
    for (const secret of PLAINTEXTS) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret, 'utf8').toString('latin1'));
    }
    const audit = await t.db.selectFrom('audit_log').select('details').execute();
    expect(JSON.stringify(audit)).not.toMatch(/Анна|79161234567|латекс/);
  });

  it('finds by phone in any format, and by name words in any order', async () => {
    const c = await clients.create({ name: 'Мария Петрова', phone: '89161112233' }, owner);
    for (const q of ['+7 916 111-22-33', '8 916 1112233', '79161112233']) {
      expect((await clients.findByPhone(q)).map((x) => x.id)).toEqual([c.id]);
    }
    expect(await clients.findByPhone('+7 916 111-22-34')).toEqual([]);
    expect(await clients.findByPhone('garbage')).toEqual([]);
    expect((await clients.findByName('петрова')).map((x) => x.id)).toContain(c.id);
    expect((await clients.findByName('Петрова МАРИЯ')).map((x) => x.id)).toEqual([c.id]);
    expect((await clients.findByName('елкина')).length).toBeGreaterThan(0);
    expect(await clients.findByName('   ')).toEqual([]);
  });

  it('returns only true matches when many clients share index values', async () => {
    const made: Client[] = [];
    for (let i = 0; i < 300; i++) {
      made.push(
        await clients.create(
          {
            name: `Client${i} Common`,
            phone: `+7916${String(5_000_000 + i).padStart(7, '0')}`,
            birthday: { day: (i % 28) + 1, month: 5, year: null },
          },
          owner,
        ),
      );
    }
    const target = made[137];
    expect((await clients.findByPhone(target?.phone ?? '')).map((c) => c.id)).toEqual([target?.id]);
    expect((await clients.findByName(`client137`)).map((c) => c.id)).toEqual([target?.id]);
    const may10 = await clients.findByBirthday(5, 10);
    expect(may10.length).toBeGreaterThan(5);
    expect(may10.every((c) => c.birthday?.month === 5 && c.birthday.day === 10)).toBe(true);
    const buckets = await t.db
      .selectFrom('clients')
      .select((eb) => eb.fn.count<string>('phone_bidx').distinct().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(buckets.n)).toBeLessThan(300); // several clients share each phone index value
  });

  it('erases a client cryptographically', async () => {
    const c = await clients.create(
      { ...anna, phone: '+79995554433', telegramUserId: 555001 },
      owner,
    );
    const before = await t.db
      .selectFrom('clients')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    await clients.erase(c.id, owner);
    expect(await clients.findByPhone('+79995554433')).toEqual([]);
    expect((await clients.findByName('Ёлкина')).map((x) => x.id)).not.toContain(c.id);
    expect(await clients.getByTelegramId(555001)).toBeNull();
    const after = await clients.get(c.id, owner);
    expect(after).toMatchObject({ name: null, phone: null, birthday: null, allergies: null });
    expect(after?.erasedAt).toBeInstanceOf(Date);
    const raw = await t.db
      .selectFrom('clients')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(raw.data_key).toHaveLength(0);
    expect([
      raw.name_enc,
      raw.phone_enc,
      raw.birthday_enc,
      raw.allergies_enc,
      raw.phone_bidx,
    ]).toEqual([null, null, null, null, null]);
    // The old ciphertext and wrapped key (as a backup would hold them) no longer open anything
    // once the row's key is gone; with the wrapped key from the backup they still would, which
    // is why backups must expire (docs/security.md).
    expect(() => crypto.unwrapDataKey(c.id, raw.data_key)).toThrow();
    expect(before.phone_enc).not.toBeNull();
    await expect(clients.erase(c.id, owner)).rejects.toThrow(NotFoundError);
    const actions = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', c.id)
      .execute();
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['create', 'erase', 'view']),
    );
  });

  it('rejects bad input with the field named, storing nothing', async () => {
    const count = await clients.count();
    const cases: [Parameters<ClientService['create']>[0], string][] = [
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(10_000) }, 'name'],
      [{ name: 'Ok', phone: "'); drop table clients;--" }, 'phone'],
      [{ name: 'Ok', birthday: { day: 31, month: 2, year: null } }, 'birthday'],
      [{ name: 'Ok', locale: 'xx' }, 'locale'],
      [{ name: 'Ok', telegramUserId: -5 }, 'telegramUserId'],
      [{ name: 'Ok', sourceId: 'not-a-uuid' }, 'sourceId'],
      [{ name: 'Ok', notes: 'n'.repeat(5000) }, 'notes'],
      [{}, 'name'],
    ];
    for (const [input, field] of cases) {
      const err = await clients.create(input, owner).catch((e: unknown) => e);
      expect(err, field).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe(field);
    }
    expect(await clients.count()).toBe(count);
    const hostile = await clients.create(
      { name: "<script>alert(1)</script> Robert'); DROP TABLE clients;--" },
      owner,
    );
    expect((await clients.get(hostile.id, owner))?.name).toBe(
      "<script>alert(1)</script> Robert'); DROP TABLE clients;--",
    );
  });

  it('lets exactly one of two concurrent registrations claim a Telegram account', async () => {
    const results = await Promise.allSettled([
      clients.create({ name: 'A', telegramUserId: 777 }, owner),
      clients.create({ name: 'B', telegramUserId: 777 }, owner),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await clients.count()).toBeGreaterThan(0);
  });

  it('never writes personal data to the log', async () => {
    const c = await clients.create({ ...anna, phone: '+79160000001' }, owner);
    await clients.update(c.id, { notes: 'prefers mornings again' }, owner);
    await clients.findByPhone('+79160000001');
    await clients.findByName('Анна');
    await clients.erase(c.id, owner);
    log.logger.info({ client: c }, 'a careless log line');
    log.logger.info(c, 'another careless one');
    const output = log.output();
    expect(output).toContain('client created');
    for (const secret of [...PLAINTEXTS, '79160000001']) expect(output).not.toContain(secret);
  });
});
