import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { reserveCoupon } from '../../src/domain/loyalty/coupons.js';
import {
  CouponStateError,
  CouponUnavailableError,
} from '../../src/domain/loyalty/loyalty-service.js';
import { readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { inTransaction } from '../../src/domain/shared/transaction.js';
import { createServices, type Services } from '../../src/runtime.js';
import { salonTime } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const { at, now: NOW } = salonTime('2026-12-01T08:00');

describe('manual coupons: issued with checks, revoked honestly', () => {
  let t: TestDatabase;
  let s: Services;
  let crypto: Crypto;
  let ids: { master: string; hair: string };
  let seq = 0;
  let hour = 0;
  const newClient = () =>
    s.clients.create({ name: `К${++seq}`, phone: `+7916555${1000 + seq}` }, SYSTEM);
  const manual = (
    clientId: string,
    extra: Partial<{ percent: number; categories: string[] }> = {},
  ) =>
    s.loyalty.issueManualCoupon(
      {
        clientId,
        percent: extra.percent ?? 10,
        validFrom: at('2026-11-01T00:00'),
        validUntil: at('2027-01-31T00:00'),
        categories: extra.categories ?? [],
      },
      SYSTEM,
      NOW,
    );
  const book = async (clientId: string) => {
    const q = await s.loyalty.quote(clientId, 'Волосы', NOW);
    const booked = await s.booking.book(
      {
        clientId,
        serviceId: ids.hair,
        masterId: ids.master,
        startsAt: new Date(at('2026-12-10T08:00').getTime() + hour++ * 3_600_000),
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
  const visit = (id: string) =>
    t.db
      .selectFrom('appointments')
      .select(['coupon_id', 'discount_pct'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const coupon = (id: string) =>
    t.db.selectFrom('coupons').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await createTestDatabase('coupons');
    crypto = await testCrypto();
    s = createServices({
      db: t.db,
      crypto,
      logger: silentLogger,
      clock: () => NOW,
    });
    const salon = await seedSalon(s, {
      services: [{ name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 }],
      masters: [{ name: 'М' }],
      hours: { start: '08:00', end: '22:00' },
    });
    ids = { master: salon.masters[0] ?? '', hair: salon.service };
  });
  afterAll(() => t.drop());

  it('refuses a bad manual coupon on the field at fault, and stores nothing', async () => {
    const c = await newClient();
    const base = {
      clientId: c.id,
      percent: 10,
      validFrom: at('2026-11-01T00:00'),
      validUntil: at('2027-01-31T00:00'),
      categories: [] as string[],
    };
    const cases: [Partial<typeof base>, string][] = [
      [{ percent: 0 }, 'percent'],
      [{ percent: 101 }, 'percent'],
      [{ percent: Number.NaN }, 'percent'],
      [{ percent: 10.555 }, 'percent'],
      [{ clientId: 'nobody' }, 'clientId'],
      [{ clientId: '00000000-0000-4000-8000-000000000000' }, 'clientId'],
      [{ validUntil: at('2026-10-01T00:00') }, 'validUntil'],
      [{ validFrom: new Date(Number.NaN) }, 'validFrom'],
      [{ validFrom: at('2026-01-01T00:00'), validUntil: at('2026-11-30T00:00') }, 'validUntil'],
      [{ validUntil: at('2036-01-01T00:00') }, 'validUntil'],
      [{ categories: ['Несуществующая'] }, 'categories'],
      [{ categories: Array.from({ length: 30 }, (_, i) => `c${i}`) }, 'categories'],
    ];
    for (const [patch, field] of cases) {
      const err = await s.loyalty
        .issueManualCoupon({ ...base, ...patch }, SYSTEM, NOW)
        .catch((e: unknown) => e);
      expect(err, JSON.stringify(patch)).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field, JSON.stringify(patch)).toBe(field);
    }
    expect(await t.db.selectFrom('coupons').select('id').execute()).toEqual([]);
    const ok = await manual(c.id, { categories: ['Волосы', ' Волосы '] });
    expect(ok).toMatchObject({ kind: 'manual', percent: 10, categories: ['Волосы'] });
    const audit = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'issue-coupon')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]?.entity_id).toBe(ok.id);
    // The audit entry names no one.
    expect(JSON.stringify(audit[0]?.details)).not.toContain('К');
  });

  it('tells the client in Telegram, once, in their language; nobody without Telegram', async () => {
    const withBot = await s.clients.create(
      { name: 'С ботом', telegramUserId: 7_770_001, locale: 'en' },
      SYSTEM,
    );
    const withoutBot = await newClient();
    const coupon = await manual(withBot.id, { percent: 15, categories: ['Волосы'] });
    await manual(withoutBot.id);
    const rows = await t.db
      .selectFrom('outbox')
      .select(['dedupe_key', 'payload_enc', 'chat_id', 'client_id'])
      .where('kind', '=', 'coupon-gift')
      .execute();
    expect(rows.map((r) => r.client_id)).toEqual([withBot.id]);
    expect(rows[0]?.chat_id).toBe('7770001');
    const message = readOutboxMessage(crypto, rows[0] as never);
    // Valid until 31 January 00:00 in Moscow: the last whole day is the 30th.
    expect(message.text).toBe(
      `The salon gives you a coupon ${coupon.code}: −15% (Волосы), valid until 30/01/2027. It applies by itself when you book.`,
    );
  });

  it('revoking a coupon held for a visit releases it and takes it off the price', async () => {
    const c = await newClient();
    const cp = await manual(c.id, { percent: 15 });
    const { q, booked } = await book(c.id);
    expect(q).toMatchObject({ total: 15, coupon: { id: cp.id } });
    expect(await visit(booked.id)).toMatchObject({ coupon_id: cp.id });
    expect(Number((await visit(booked.id)).discount_pct)).toBe(15);

    const done = await s.loyalty.revokeCoupon(cp.id, SYSTEM, NOW);
    expect(done).toEqual({ visitId: booked.id, discountBefore: 15, discountAfter: 0 });
    expect(await visit(booked.id)).toMatchObject({ coupon_id: null });
    expect(Number((await visit(booked.id)).discount_pct)).toBe(0);
    expect(await coupon(cp.id)).toMatchObject({ reserved_for: null, redeemed_at: null });
    expect((await coupon(cp.id)).revoked_at).not.toBeNull();
    // Not offered again, not held by a booking, not redeemed at completion.
    expect((await s.loyalty.quote(c.id, 'Волосы', NOW)).coupon).toBeNull();
    await expect(inTransaction(t.db, (tx) => reserveCoupon(tx, cp.id, booked.id))).rejects.toThrow(
      CouponUnavailableError,
    );
    await expect(s.loyalty.revokeCoupon(cp.id, SYSTEM, NOW)).rejects.toThrow(CouponStateError);
    const done2 = await s.visits.complete(
      booked.id,
      {},
      SYSTEM,
      new Date(at('2026-12-10T08:00').getTime() + 86_400_000),
    );
    expect(Number(done2.amountPaid)).toBe(2000);
    expect((await coupon(cp.id)).redeemed_at).toBeNull();
  });

  it('a redeemed coupon cannot be revoked; an unused one simply stops working', async () => {
    const c = await newClient();
    const cp = await manual(c.id);
    const { booked } = await book(c.id);
    await s.visits.complete(
      booked.id,
      {},
      SYSTEM,
      new Date(at('2026-12-10T08:00').getTime() + 86_400_000),
    );
    expect((await coupon(cp.id)).redeemed_at).not.toBeNull();
    const err = await s.loyalty.revokeCoupon(cp.id, SYSTEM, NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CouponStateError);
    expect((err as CouponStateError).state).toBe('redeemed');

    const unused = await manual(c.id, { percent: 5 });
    expect((await s.loyalty.quote(c.id, 'Волосы', NOW)).coupon?.id).toBe(unused.id);
    expect(await s.loyalty.revokeCoupon(unused.id, SYSTEM, NOW)).toEqual({
      visitId: null,
      discountBefore: null,
      discountAfter: null,
    });
    expect((await s.loyalty.quote(c.id, 'Волосы', NOW)).coupon).toBeNull();
    expect(
      await t.db
        .selectFrom('audit_log')
        .select('entity_id')
        .where('action', '=', 'revoke-coupon')
        .execute(),
    ).toHaveLength(2);
  });
});
