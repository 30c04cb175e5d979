import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { mergeClients } from '../../src/domain/clients/client-merge.js';
import { InvalidInputError, NotFoundError } from '../../src/domain/errors.js';
import { currentConsents, recordConsents } from '../../src/domain/onboarding/consents.js';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { createServices, type Services } from '../../src/runtime.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const STAFF = { type: 'system' as const, id: null, ip: '10.0.0.7' };

describe('merging two client cards', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let s: Services;
  let service = '';
  let master = '';
  let seq = 0;

  beforeAll(async () => {
    t = await createTestDatabase('merge');
    crypto = await testCrypto();
    s = createServices({ db: t.db, crypto, logger: silentLogger });
    const salon = await seedSalon(s, { masters: [{ name: 'Ольга' }] });
    service = salon.service;
    master = salon.masters[0] ?? '';
  });
  afterAll(() => t.drop());

  const visit = async (clientId: string, hour: number) => {
    seq++;
    return s.booking.book(
      {
        clientId,
        serviceId: service,
        masterId: master,
        startsAt: new Date(Date.UTC(2030, 0, seq, hour - 3)),
        channel: 'panel',
      },
      SYSTEM,
      new Date('2029-12-25T00:00:00Z'),
    );
  };

  it('moves everything to the kept card, fills its gaps, keeps both notes and erases the duplicate', async () => {
    const kept = await s.clients.create(
      { name: 'Анна Петрова', phone: '+79160000001', allergies: 'латекс', tags: ['vip'] },
      SYSTEM,
    );
    const dup = await s.clients.create(
      {
        name: 'Аня',
        phone: '+79160000002',
        birthday: { day: 3, month: 4, year: null },
        allergies: 'орехи',
        notes: 'любит чай',
        tags: ['vip', 'тихая'],
        telegramUserId: 555_001,
      },
      SYSTEM,
    );
    const friend = await s.clients.create({ name: 'Подруга', referrerId: dup.id }, SYSTEM);
    await t.db
      .insertInto('referrals')
      .values({ referrer_id: dup.id, referred_id: friend.id, status: 'qualified' })
      .execute();
    await recordConsents(t.db, kept.id, [{ purpose: 'marketing', granted: false }], 'panel');
    await recordConsents(t.db, dup.id, [{ purpose: 'marketing', granted: true }], 'telegram');
    const v1 = await visit(kept.id, 10);
    const v2 = await visit(dup.id, 12);
    await t.db
      .insertInto('points_ledger')
      .values({ client_id: dup.id, delta: '150', reason: 'adjust' })
      .execute();
    const dupCard = await s.cards.activeCard(dup.id);
    const keptCard = await s.cards.activeCard(kept.id);
    await enqueueMessage(t.db, crypto, {
      dedupeKey: 'about-dup',
      chatId: 1,
      clientId: null,
      kind: 'agenda',
      message: { text: 'x' },
      aboutClients: [dup.id],
    });

    const result = await mergeClients({ db: t.db, clients: s.clients }, kept.id, dup.id, STAFF);
    expect(result.visits).toBe(1);
    expect(result.fields).toEqual(['allergies', 'birthday', 'notes', 'tags', 'telegramUserId']);

    const after = await s.clients.findById(kept.id);
    expect(after).toMatchObject({
      name: 'Анна Петрова',
      phone: '+79160000001',
      birthday: { day: 3, month: 4, year: null },
      allergies: 'латекс\nорехи',
      notes: 'любит чай',
      tags: ['vip', 'тихая'],
      telegramUserId: 555_001,
    });
    expect((await s.clients.findById(dup.id))?.erasedAt).not.toBeNull();
    expect(await s.clients.getByTelegramId(555_001)).toMatchObject({ id: kept.id });
    const visits = await t.db
      .selectFrom('appointments')
      .select(['id', 'client_id'])
      .where('id', 'in', [v1.id, v2.id])
      .execute();
    expect(visits.every((v) => v.client_id === kept.id)).toBe(true);
    expect(await s.loyalty.pointsBalance(kept.id)).toBe(150);
    // The duplicate's friend is the kept card's friend now.
    expect(
      await t.db
        .selectFrom('referrals')
        .select('referrer_id')
        .where('referred_id', '=', friend.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ referrer_id: kept.id });
    expect((await s.clients.findById(friend.id))?.referrerId).toBe(kept.id);
    // The latest consent decision of the person wins, and the flag follows it.
    expect((await currentConsents(t.db, kept.id)).marketing).toBe(true);
    expect(after?.marketingOptIn).toBe(true);
    // The duplicate's card no longer finds anyone; the kept card still does.
    expect(await s.cards.clientByCard(dupCard)).toBeNull();
    expect(await s.cards.clientByCard(keptCard)).toBe(kept.id);
    const queued = await t.db
      .selectFrom('outbox')
      .select('about_client_ids')
      .where('dedupe_key', '=', 'about-dup')
      .executeTakeFirstOrThrow();
    expect(queued.about_client_ids).toEqual([kept.id]);
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id', 'ip', 'details'])
      .where('action', '=', 'merge')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ entity_id: kept.id, ip: '10.0.0.7' });
    // What changed, never the data itself.
    expect(JSON.stringify(audit.details)).not.toMatch(/орехи|чай|Аня|79160000002/);
  });

  it('refuses the same card, an erased or unknown card, and a merge that would not fit', async () => {
    const a = await s.clients.create({ name: 'Один', notes: 'a'.repeat(3000) }, SYSTEM);
    const b = await s.clients.create({ name: 'Два', notes: 'b'.repeat(3000) }, SYSTEM);
    const deps = { db: t.db, clients: s.clients };
    await expect(mergeClients(deps, a.id, a.id, STAFF)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(mergeClients(deps, a.id, 'not-an-id', STAFF)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      mergeClients(deps, a.id, '00000000-0000-4000-8000-000000000000', STAFF),
    ).rejects.toBeInstanceOf(NotFoundError);
    // Both notes together exceed the limit: refused before anything moves.
    await expect(mergeClients(deps, a.id, b.id, STAFF)).rejects.toBeInstanceOf(InvalidInputError);
    expect((await s.clients.findById(b.id))?.erasedAt).toBeNull();
    const c = await s.clients.create({ name: 'Три' }, SYSTEM);
    await s.clients.erase(c.id, SYSTEM);
    await expect(mergeClients(deps, a.id, c.id, STAFF)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('drops a referral between the two cards and a second "who invited me"', async () => {
    const inviter = await s.clients.create({ name: 'Пригласила' }, SYSTEM);
    const kept = await s.clients.create({ name: 'Осталась', referrerId: inviter.id }, SYSTEM);
    const dup = await s.clients.create({ name: 'Дубль', referrerId: kept.id }, SYSTEM);
    await t.db
      .insertInto('referrals')
      .values([
        { referrer_id: inviter.id, referred_id: kept.id },
        { referrer_id: kept.id, referred_id: dup.id },
      ])
      .execute();
    await mergeClients({ db: t.db, clients: s.clients }, kept.id, dup.id, STAFF);
    const rows = await t.db
      .selectFrom('referrals')
      .select(['referrer_id', 'referred_id'])
      .where((eb) =>
        eb.or([eb('referred_id', 'in', [kept.id, dup.id]), eb('referrer_id', '=', kept.id)]),
      )
      .execute();
    expect(rows).toEqual([{ referrer_id: inviter.id, referred_id: kept.id }]);
  });
});
