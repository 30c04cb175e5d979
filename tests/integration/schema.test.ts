import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/runtime.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

describe('core schema', () => {
  let t: TestDatabase;
  let ids: { branch: string; master: string; other: string; service: string };
  beforeAll(async () => {
    t = await createTestDatabase('schema');
    const s = createServices({ db: t.db, crypto: await testCrypto(), logger: silentLogger });
    const salon = await seedSalon(s, {
      services: [{ name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 1500 }],
      masters: [{ name: 'Ольга' }, { name: 'Ирина' }],
    });
    const [master = '', other = ''] = salon.masters;
    ids = { branch: salon.branch, master, other, service: salon.service };
  });
  afterAll(() => t.drop());

  const visit = (master: string, from: string, to: string) => ({
    branch_id: ids.branch,
    master_id: master,
    service_id: ids.service,
    starts_at: new Date(from),
    ends_at: new Date(to),
    blocked_until: new Date(to),
    price: 1500,
    channel: 'bot' as const,
  });

  it('makes overlapping active visits of one master impossible, whatever the race', async () => {
    await t.db
      .insertInto('appointments')
      .values(visit(ids.master, '2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z'))
      .execute();
    const err = await t.db
      .insertInto('appointments')
      .values(visit(ids.master, '2026-12-01T10:30:00Z', '2026-12-01T11:30:00Z'))
      .execute()
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('23P01');
    // Back to back is fine, another master is fine.
    await t.db
      .insertInto('appointments')
      .values(visit(ids.master, '2026-12-01T11:00:00Z', '2026-12-01T12:00:00Z'))
      .execute();
    await t.db
      .insertInto('appointments')
      .values(visit(ids.other, '2026-12-01T10:30:00Z', '2026-12-01T11:30:00Z'))
      .execute();

    const racers = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        t.db
          .insertInto('appointments')
          .values(visit(ids.master, '2026-12-02T10:00:00Z', '2026-12-02T11:00:00Z'))
          .execute(),
      ),
    );
    expect(racers.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('keeps the buffer after a visit inside the guarantee', async () => {
    await t.db
      .insertInto('appointments')
      .values({
        ...visit(ids.other, '2026-12-05T10:00:00Z', '2026-12-05T11:00:00Z'),
        blocked_until: new Date('2026-12-05T11:15:00Z'),
      })
      .execute();
    const err = await t.db
      .insertInto('appointments')
      .values(visit(ids.other, '2026-12-05T11:00:00Z', '2026-12-05T12:00:00Z'))
      .execute()
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('23P01');
    await t.db
      .insertInto('appointments')
      .values(visit(ids.other, '2026-12-05T11:15:00Z', '2026-12-05T12:00:00Z'))
      .execute();
  });

  it('frees the time of a cancelled visit, and only of a cancelled one', async () => {
    const slot = visit(ids.master, '2026-12-03T10:00:00Z', '2026-12-03T11:00:00Z');
    const first = await t.db
      .insertInto('appointments')
      .values(slot)
      .returning('id')
      .executeTakeFirstOrThrow();
    const conflict = (e: unknown) => (e as { code?: string }).code;
    // While the visit is active, the time is taken.
    const taken = await t.db
      .insertInto('appointments')
      .values(slot)
      .execute()
      .catch((e: unknown) => e);
    expect(conflict(taken)).toBe('23P01');
    await t.db
      .updateTable('appointments')
      .set({ status: 'cancelled' })
      .where('id', '=', first.id)
      .execute();
    const second = await t.db
      .insertInto('appointments')
      .values(slot)
      .returning('id')
      .executeTakeFirstOrThrow();
    const rows = await t.db
      .selectFrom('appointments')
      .select(['id', 'status'])
      .where('master_id', '=', ids.master)
      .where('starts_at', '=', new Date('2026-12-03T10:00:00Z'))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    expect(new Map(rows.map((r) => [r.id, r.status]))).toEqual(
      new Map([
        [first.id, 'cancelled'],
        [second.id, 'booked'],
      ]),
    );
    // Booking the cancelled visit again would overlap the new one: refused.
    const revived = await t.db
      .updateTable('appointments')
      .set({ status: 'booked' })
      .where('id', '=', first.id)
      .execute()
      .catch((e: unknown) => e);
    expect(conflict(revived)).toBe('23P01');
  });

  it('refuses impossible rows', async () => {
    const bad = [
      () =>
        t.db
          .insertInto('appointments')
          .values(visit(ids.master, '2026-12-04T11:00:00Z', '2026-12-04T10:00:00Z'))
          .execute(),
      () => t.db.insertInto('services').values({ name: 'x', duration_min: 0, price: 1 }).execute(),
      () =>
        t.db.insertInto('services').values({ name: 'x', duration_min: 10, price: -1 }).execute(),
      () =>
        t.db
          .insertInto('staff_users')
          .values({
            email: 'a@b.c',
            display_name: 'x',
            password_hash: 'x',
            role: 'root' as 'owner',
          })
          .execute(),
      () =>
        t.db
          .insertInto('acquisition_sources')
          .values({ name: 'x', link_code: 'has space' })
          .execute(),
    ];
    for (const attempt of bad) {
      const err = await attempt().catch((e: unknown) => e);
      expect(String((err as { code?: string }).code)).toMatch(/^23/);
    }
  });
});
