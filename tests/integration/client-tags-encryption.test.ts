import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagIndexes } from '../../src/domain/clients/client-rows.js';
import { ClientService } from '../../src/domain/clients/client-service.js';
import { encryptPlaintextTags } from '../../src/domain/clients/plaintext-tags.js';
import { HolidayService } from '../../src/domain/greetings/holiday-service.js';
import { rotateKeys } from '../../src/domain/keys/rotate-keys.js';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { randomKey, silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const LEGACY = ['legacy-heron-5521', 'СтараяМетка'];

/** Rows of any table whose text, JSON, byte or array column holds `needle`. */
async function plaintextOf(t: TestDatabase, needle: string): Promise<string[]> {
  const { rows: columns } = await sql<{
    table_name: string;
    column_name: string;
    data_type: string;
  }>`
    SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`.execute(
    t.db,
  );
  const found: string[] = [];
  for (const { table_name, column_name, data_type } of columns) {
    const column = sql.ref(column_name);
    const match =
      data_type === 'bytea'
        ? sql`position(convert_to(${needle}, 'UTF8') in ${column}) > 0`
        : sql`${column}::text ILIKE ${`%${needle}%`}`;
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ${sql.table(table_name)} WHERE ${match}`.execute(t.db);
    if ((rows[0]?.n ?? 0) > 0) found.push(`${table_name}.${column_name}`);
  }
  return found;
}

describe('client tags: encrypted, found by blind index, upgraded at start-up, rotated', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('tags');
  });
  afterAll(() => t.drop());

  it('encrypts tags stored in plaintext before the upgrade, then drops the plaintext column', async () => {
    const keyA = randomKey();
    const crypto = await testCrypto({ masterKey: keyA });
    const clients = new ClientService({
      db: t.db,
      crypto,
      logger: silentLogger,
      clock: () => new Date(),
    });
    const fan = await clients.create(
      { name: 'Давняя Гостья', telegramUserId: 7001, tags: ['новая'] },
      SYSTEM,
    );
    const other = await clients.create({ name: 'Другая Гостья', telegramUserId: 7002 }, SYSTEM);
    const gone = await clients.create({ name: 'Стёртая' }, SYSTEM);
    for (const c of [fan, other])
      await recordConsents(t.db, c.id, [{ purpose: 'marketing', granted: true }], 'bot');
    await sql`UPDATE clients SET marketing_opt_in = true WHERE id IN (${fan.id}, ${other.id})`.execute(
      t.db,
    );
    // What an install from before the migration holds: tags in the plaintext column, and a
    // holiday audience naming them.
    await sql`UPDATE clients SET tags = ${sql.val(LEGACY)}::text[] WHERE id IN (${fan.id}, ${gone.id})`.execute(
      t.db,
    );
    await clients.erase(gone.id, SYSTEM);
    await sql`UPDATE clients SET tags = ${sql.val(LEGACY)}::text[] WHERE id = ${gone.id}`.execute(
      t.db,
    );
    const holiday = await new HolidayService(t.db, crypto).create(
      { name: 'Старым друзьям', kind: 'fixed', month: 3, day: 3 },
      SYSTEM,
    );
    await sql`UPDATE holidays SET audience = ${JSON.stringify({ kind: 'tags', tags: [LEGACY[1]] })}::jsonb
      WHERE id = ${holiday}`.execute(t.db);
    expect(await plaintextOf(t, LEGACY[0] ?? '')).toEqual(['clients.tags']);

    // Start-up's step, in batches of one, twice (a second start finds nothing to do).
    const first = await encryptPlaintextTags({
      db: t.db,
      crypto,
      logger: silentLogger,
      batchSize: 1,
    });
    expect(first).toEqual({ clients: 2, holidays: 1, dropped: true });
    expect(await encryptPlaintextTags({ db: t.db, crypto, logger: silentLogger })).toEqual({
      clients: 0,
      holidays: 0,
      dropped: false,
    });
    for (const tag of [...LEGACY, 'новая']) expect(await plaintextOf(t, tag)).toEqual([]);
    const { rows: left } = await sql`SELECT 1 FROM information_schema.columns
      WHERE table_name = 'clients' AND column_name = 'tags'`.execute(t.db);
    expect(left).toEqual([]);

    // Nothing lost: the tags read back, joined to the ones already encrypted.
    expect((await clients.findById(fan.id))?.tags).toEqual(['новая', ...LEGACY]);
    expect((await clients.get(gone.id, SYSTEM))?.tags).toEqual([]);
    // The holiday's audience reads back, and finds its clients through the tag index (any case).
    const holidays = new HolidayService(t.db, crypto);
    expect((await holidays.get(holiday))?.audience).toEqual({ kind: 'tags', tags: [LEGACY[1]] });
    const byTag = await clients.marketingAudience(null, 100, { tags: ['стараяметка'] });
    expect(byTag.map((c) => c.id)).toEqual([fan.id]);
    // A tag nobody carries finds nobody — picked so its index bucket is not one of the fan's
    // (the index is a few bits by design, so a random key can make any one name share a bucket).
    const taken = new Set(tagIndexes(crypto, ['новая', ...LEGACY]));
    const absent = Array.from({ length: 64 }, (_, i) => `нет такой ${i}`).find(
      (tag) => !taken.has(tagIndexes(crypto, [tag])[0] ?? -1),
    );
    expect(absent).toBeDefined();
    expect(await clients.marketingAudience(null, 100, { tags: [absent ?? ''] })).toEqual([]);

    // Key rotation re-encrypts tags and rebuilds their index; the old key can go.
    const keyB = randomKey();
    const rotating = await testCrypto({ masterKey: keyB, previousKeys: [keyA] });
    await rotateKeys({ db: t.db, crypto: rotating, logger: silentLogger });
    const onlyB = await testCrypto({ masterKey: keyB });
    const after = new ClientService({
      db: t.db,
      crypto: onlyB,
      logger: silentLogger,
      clock: () => new Date(),
    });
    expect((await after.findById(fan.id))?.tags).toEqual(['новая', ...LEGACY]);
    expect(
      (await after.marketingAudience(null, 100, { tags: [LEGACY[0] ?? ''] })).map((c) => c.id),
    ).toEqual([fan.id]);
    expect((await new HolidayService(t.db, onlyB).get(holiday))?.audience).toEqual({
      kind: 'tags',
      tags: [LEGACY[1]],
    });
  });

  it('refuses bad tags naming the field and keeps what was stored', async () => {
    const crypto = await testCrypto();
    const clients = new ClientService({
      db: t.db,
      crypto,
      logger: silentLogger,
      clock: () => new Date(),
    });
    const c = await clients.create({ name: 'Метки Есть', tags: ['a', 'b'] }, SYSTEM);
    for (const tags of [
      Array.from({ length: 31 }, (_, i) => `t${i}`),
      ['x'.repeat(41)],
      'vip' as unknown as string[],
      [42] as unknown as string[],
    ])
      await expect(clients.update(c.id, { tags }, SYSTEM)).rejects.toMatchObject({ field: 'tags' });
    expect((await clients.findById(c.id))?.tags).toEqual(['a', 'b']);
    // Emptied tags leave no ciphertext and no index.
    await clients.update(c.id, { tags: [] }, SYSTEM);
    const row = await t.db
      .selectFrom('clients')
      .select(['tags_enc', 'tags_bidx'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ tags_enc: null, tags_bidx: [] });
  });
});
