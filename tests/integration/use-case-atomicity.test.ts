import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULES, pointsEarned } from '../../src/domain/loyalty/loyalty-rules.js';
import { inTransaction } from '../../src/domain/shared/transaction.js';
import { createServices, type Services } from '../../src/runtime.js';
import { salonTime } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { addStaff, SYSTEM, seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const { at, now: NOW } = salonTime('2026-12-01T08:00');

/**
 * A use case that changes state, audits it and tells someone commits all of it or nothing: a
 * trigger makes one write after the first fail, and every table is as it was before.
 */
describe('use cases are atomic', () => {
  let t: TestDatabase;
  let s: Services;
  let ids: { master: string; service: string; staff: string };
  let seq = 0;

  const newClient = async () => {
    seq++;
    return s.clients.create(
      { name: `Клиент ${seq}`, phone: `+7916444${1000 + seq}`, telegramUserId: 8_000 + seq },
      SYSTEM,
    );
  };

  /** Everything the use cases below may write, in a comparable form. */
  const snapshot = async () => ({
    visits: await t.db
      .selectFrom('appointments')
      .select(['id', 'status', 'amount_paid', 'coupon_id'])
      .orderBy('id')
      .execute(),
    ledger: await t.db.selectFrom('points_ledger').selectAll().orderBy('id').execute(),
    coupons: await t.db
      .selectFrom('coupons')
      .select(['id', 'reserved_for', 'redeemed_at', 'redeemed_on'])
      .orderBy('id')
      .execute(),
    referrals: await t.db.selectFrom('referrals').select(['referred_id', 'status']).execute(),
    outbox: (
      await t.db.selectFrom('outbox').select('dedupe_key').orderBy('dedupe_key').execute()
    ).map((r) => r.dedupe_key),
    audit: (await t.db.selectFrom('audit_log').select('action').orderBy('id').execute()).map(
      (r) => r.action,
    ),
    rules: await t.db.selectFrom('loyalty_rules').select('version').orderBy('version').execute(),
  });

  /** Runs `fn` while writes to `table` (those matching `when`) raise, and returns its error. */
  const failing = async (table: string, when: string, fn: () => Promise<unknown>) => {
    await sql
      .raw(
        `CREATE TRIGGER injected_failure BEFORE INSERT OR UPDATE ON ${table}
         FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION injected_failure()`,
      )
      .execute(t.db);
    try {
      return await fn().then(
        () => null,
        (err: unknown) => err,
      );
    } finally {
      await sql.raw(`DROP TRIGGER injected_failure ON ${table}`).execute(t.db);
    }
  };

  beforeAll(async () => {
    t = await createTestDatabase('atomicity');
    const crypto = await testCrypto();
    s = createServices({ db: t.db, crypto, logger: silentLogger, clock: () => NOW });
    await sql
      .raw(
        `CREATE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RAISE EXCEPTION 'injected failure on %', TG_TABLE_NAME; END $$`,
      )
      .execute(t.db);
    const staff = await addStaff(s, {
      email: 'owner@a.test',
      displayName: 'Владелец',
      role: 'owner',
      branchId: null,
      telegramUserId: 500,
    });
    const salon = await seedSalon(s, {
      services: [{ name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 }],
      masters: [{ name: 'Ольга', staffUserId: staff }],
    });
    ids = { master: salon.masters[0] ?? '', service: salon.service, staff };
  });
  afterAll(() => t.drop());

  it('completing a visit: a failure after the first write leaves nothing, then it all commits together', async () => {
    const referrer = await newClient();
    const friend = await newClient();
    await inTransaction(t.db, (tx) => s.referrals.attribute(tx, friend.id, referrer.referralCode));
    const coupon = await s.loyalty.issueCoupon(t.db, {
      clientId: friend.id,
      kind: 'manual',
      percent: 10,
      validFrom: at('2026-11-01T00:00'),
      validUntil: at('2027-01-01T00:00'),
    });
    const visit = await s.booking.book(
      {
        clientId: friend.id,
        serviceId: ids.service,
        masterId: ids.master,
        startsAt: at('2026-12-02T10:00'),
        channel: 'bot',
        discountPct: 10,
        couponId: coupon.id,
      },
      SYSTEM,
      NOW,
    );
    const later = at('2026-12-02T11:00');
    const actor = { type: 'staff' as const, id: ids.staff };
    const before = await snapshot();

    // The referral is written after the visit, the coupon and the points.
    const midway = await failing('referrals', 'true', () =>
      s.visits.complete(visit.id, {}, actor, later),
    );
    expect(String(midway)).toMatch(/injected failure on referrals/);
    expect(await snapshot()).toEqual(before);

    // The rating request is the very last write.
    const last = await failing('outbox', `NEW.kind = 'rate-ask'`, () =>
      s.visits.complete(visit.id, {}, actor, later),
    );
    expect(String(last)).toMatch(/injected failure on outbox/);
    expect(await snapshot()).toEqual(before);

    const done = await s.visits.complete(visit.id, {}, actor, later);
    const earned = pointsEarned(1800, (await s.loyalty.rules()).rules);
    expect(earned).toBeGreaterThan(0);
    expect(done).toMatchObject({ amountPaid: '1800.00', pointsEarned: earned });
    const after = await snapshot();
    expect(after.visits.find((v) => v.id === visit.id)?.status).toBe('done');
    expect(after.coupons.find((c) => c.id === coupon.id)?.redeemed_on).toBe(visit.id);
    expect(after.referrals).toEqual([{ referred_id: friend.id, status: 'qualified' }]);
    expect(after.ledger.map((l) => [l.client_id, Number(l.delta)])).toEqual([[friend.id, earned]]);
    expect(after.outbox).toEqual(
      expect.arrayContaining([`rate-ask:${visit.id}`, `referral-qualified:${friend.id}`]),
    );
    expect(after.audit.slice(before.audit.length)).toEqual(['complete']);
  });

  it('saving loyalty rules: the version and its audit entry commit together or not at all', async () => {
    const before = await snapshot();
    const err = await failing('audit_log', `NEW.action = 'set-rules'`, () =>
      s.loyalty.setRules({ ...DEFAULT_RULES, globalCapPercent: 40 }, SYSTEM),
    );
    expect(String(err)).toMatch(/injected failure on audit_log/);
    expect(await snapshot()).toEqual(before);
    expect(await s.loyalty.setRules({ ...DEFAULT_RULES, globalCapPercent: 40 }, SYSTEM)).toBe(
      before.rules.length + 1,
    );
    const after = await snapshot();
    expect(after.rules).toHaveLength(before.rules.length + 1);
    expect(after.audit.slice(before.audit.length)).toEqual(['set-rules']);
  });

  it('booking: the visit, its coupon held, the audit entry and the master told, or none of them', async () => {
    const client = await newClient();
    const coupon = await s.loyalty.issueCoupon(t.db, {
      clientId: client.id,
      kind: 'manual',
      percent: 15,
      validFrom: at('2026-11-01T00:00'),
      validUntil: at('2027-01-01T00:00'),
    });
    const input = {
      clientId: client.id,
      serviceId: ids.service,
      masterId: ids.master,
      startsAt: at('2026-12-03T12:00'),
      channel: 'bot' as const,
      discountPct: 15,
      couponId: coupon.id,
    };
    const before = await snapshot();
    const err = await failing('outbox', `NEW.kind = 'visit-new'`, () =>
      s.booking.book(input, SYSTEM, NOW),
    );
    expect(String(err)).toMatch(/injected failure on outbox/);
    expect(await snapshot()).toEqual(before);

    const booked = await s.booking.book(input, SYSTEM, NOW);
    const after = await snapshot();
    expect(after.visits.find((v) => v.id === booked.id)?.coupon_id).toBe(coupon.id);
    expect(after.coupons.find((c) => c.id === coupon.id)?.reserved_for).toBe(booked.id);
    expect(after.outbox).toContain(`visit-new:${booked.id}:0`);
    expect(after.audit.slice(before.audit.length)).toEqual(['book']);
  });
});
