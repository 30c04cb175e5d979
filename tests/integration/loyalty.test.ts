import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { DEFAULT_RULES } from '../../src/domain/loyalty/loyalty-rules.js';
import { CouponUnavailableError } from '../../src/domain/loyalty/loyalty-service.js';
import { readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { createServices, type Services } from '../../src/runtime.js';
import { salonTime } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const OWNER = { type: 'staff' as const, id: null };
const { at, now: NOW } = salonTime('2026-12-01T08:00');

describe('loyalty engine', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let s: Services;
  let ids: { master: string; hair: string; nails: string };
  let seq = 0;
  const newClient = () =>
    s.clients.create(
      { name: `К${++seq}`, phone: `+7916444${1000 + seq}`, telegramUserId: 8000 + seq },
      SYSTEM,
    );

  beforeAll(async () => {
    t = await createTestDatabase('loyalty');
    crypto = await testCrypto();
    s = createServices({ db: t.db, crypto, logger: silentLogger, clock: () => NOW });
    const salon = await seedSalon(s, {
      services: [
        { name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 },
        { name: 'Маникюр', category: 'Ногти', durationMin: 60, price: 1000 },
      ],
      masters: [{ name: 'М' }],
      hours: { start: '08:00', end: '22:00' },
    });
    const [hair = '', nails = ''] = salon.services;
    ids = { master: salon.masters[0] ?? '', hair, nails };
  });
  afterAll(() => t.drop());

  let hour = 0;
  /** Books the next free hour on a far day, for a client, with their quote. */
  const bookWithQuote = async (clientId: string, serviceId: string, category: string) => {
    const q = await s.loyalty.quote(clientId, category, NOW);
    const startsAt = new Date(at('2026-12-10T08:00').getTime() + hour++ * 3_600_000);
    const booked = await s.booking.book(
      {
        clientId,
        serviceId,
        masterId: ids.master,
        startsAt,
        channel: 'bot',
        discountPct: q.total,
        couponId: q.coupon?.id ?? null,
        rulesVersion: q.rulesVersion,
      },
      { type: 'client', id: clientId },
      NOW,
    );
    return { q, booked };
  };

  it('versions edited rules and refuses bad ones; the quote follows the newest', async () => {
    expect(await s.loyalty.rules()).toEqual({ version: 0, rules: DEFAULT_RULES });
    await expect(
      s.loyalty.setRules({ ...DEFAULT_RULES, globalCapPercent: 150 }, OWNER),
    ).rejects.toThrow(InvalidInputError);
    await expect(s.loyalty.setRules('{"hostile": true}', OWNER)).rejects.toThrow(InvalidInputError);
    expect(await s.loyalty.setRules({ ...DEFAULT_RULES, secondLevelWeight: 0.5 }, OWNER)).toBe(1);
    expect((await s.loyalty.rules()).version).toBe(1);
    expect(await s.loyalty.setRules(DEFAULT_RULES, OWNER)).toBe(2);
  });

  it('a coupon is shown for its categories, held by the booking, given back on cancel and redeemed at completion', async () => {
    const c = await newClient();
    const coupon = await s.loyalty.issueCoupon(t.db, {
      clientId: c.id,
      kind: 'manual',
      percent: 10,
      validFrom: at('2026-11-01T00:00'),
      validUntil: at('2026-12-31T00:00'),
      categories: ['Ногти'],
    });
    expect(coupon.code).toMatch(/^CP-[A-HJ-NP-Z2-9]{8}$/);
    expect((await s.loyalty.quote(c.id, 'Волосы', NOW)).coupon).toBeNull();
    const first = await bookWithQuote(c.id, ids.nails, 'Ногти');
    expect(first.q).toMatchObject({ total: 10, coupon: { code: coupon.code } });
    // Held: not offered to another booking, and a second use is refused.
    expect((await s.loyalty.quote(c.id, 'Ногти', NOW)).coupon).toBeNull();
    await expect(
      s.booking.book(
        {
          clientId: c.id,
          serviceId: ids.nails,
          masterId: ids.master,
          startsAt: at('2026-12-11T10:00'),
          channel: 'bot',
          couponId: coupon.id,
        },
        SYSTEM,
        NOW,
      ),
    ).rejects.toThrow(CouponUnavailableError);
    await s.visits.cancelByClient(c.id, first.booked.id, NOW);
    const second = await bookWithQuote(c.id, ids.nails, 'Ногти');
    expect(second.q.coupon?.code).toBe(coupon.code);
    const done = await s.visits.complete(second.booked.id, {}, SYSTEM, at('2026-12-31T12:00'));
    expect(done.amountPaid).toBe('900.00'); // the promise holds after the coupon's validity
    const row = await t.db
      .selectFrom('coupons')
      .selectAll()
      .where('id', '=', coupon.id)
      .executeTakeFirstOrThrow();
    expect(row.redeemed_on).toBe(second.booked.id);
    expect((await s.loyalty.standing(c.id, NOW)).coupons).toEqual([]);
  });

  it('points are earned on what was paid and spent within the balance and the share', async () => {
    const c = await newClient();
    const a = await bookWithQuote(c.id, ids.hair, 'Волосы');
    const done = await s.visits.complete(a.booked.id, {}, SYSTEM, at('2026-12-31T12:00'));
    expect(done.pointsEarned).toBe(60); // 3 % of 2000
    expect(await s.loyalty.pointsBalance(c.id)).toBe(60);
    const b = await bookWithQuote(c.id, ids.nails, 'Ногти');
    const visit = await s.visits.get(b.booked.id);
    expect(await s.visits.spendablePoints(visit ?? ({} as never))).toBe(60);
    await expect(
      s.visits.complete(b.booked.id, { points: 61 }, SYSTEM, at('2026-12-31T12:00')),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      s.visits.complete(b.booked.id, { points: 1.5 }, SYSTEM, at('2026-12-31T12:00')),
    ).rejects.toThrow(InvalidInputError);
    const paid = await s.visits.complete(
      b.booked.id,
      { points: 60 },
      SYSTEM,
      at('2026-12-31T12:00'),
    );
    expect(paid).toMatchObject({ amountPaid: '940.00', pointsSpent: 60, pointsEarned: 28 });
    expect(await s.loyalty.pointsBalance(c.id)).toBe(28);
  });

  it('a level change is told to the client once', async () => {
    const c = await newClient();
    await s.loyalty.setRules(
      {
        ...DEFAULT_RULES,
        levels: [
          DEFAULT_RULES.levels[0],
          { name: 'Silver', minSpend: 3000, minVisits: 99, percent: 3 },
        ],
      },
      OWNER,
    );
    const a = await bookWithQuote(c.id, ids.hair, 'Волосы');
    await s.visits.complete(a.booked.id, {}, SYSTEM, at('2026-12-31T12:00'));
    const b = await bookWithQuote(c.id, ids.hair, 'Волосы');
    await s.visits.complete(b.booked.id, {}, SYSTEM, at('2026-12-31T12:00'));
    expect(await s.loyalty.quote(c.id, 'Волосы', at('2026-12-31T13:00'))).toMatchObject({
      level: 3,
      levelName: 'Silver',
      total: 3,
    });
    const notices = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'level-up')
      .where('client_id', '=', c.id)
      .execute();
    expect(notices).toHaveLength(1);
    expect(readOutboxMessage(crypto, notices[0] as never).text).toMatch(/Silver/);
    await s.loyalty.setRules(DEFAULT_RULES, OWNER);
  });
});
