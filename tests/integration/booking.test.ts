import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { SlotTakenError } from '../../src/domain/booking/booking-service.js';
import { NotFoundError } from '../../src/domain/errors.js';
import { readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { createServices, type Services } from '../../src/runtime.js';
import { salonTime } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

// "Now" for the tests: Monday 30 November 2026, 08:00 in Moscow.
const { zone: ZONE, at, now: NOW } = salonTime('2026-11-30T08:00');

describe('booking', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let s: Services;
  let ids: { service: string; olga: string; irina: string; other: string };

  beforeAll(async () => {
    t = await createTestDatabase('booking');
    crypto = await testCrypto();
    s = createServices({ db: t.db, crypto, logger: silentLogger });
    const salon = await seedSalon(s, {
      zone: ZONE,
      services: [
        { name: 'Стрижка', category: 'Волосы', durationMin: 60, bufferMin: 15, price: 1500 },
        { name: 'Маникюр', category: 'Ногти', durationMin: 90, price: 2000 },
      ],
      masters: [
        {
          name: 'Ольга',
          staff: { email: 'olga@salon.test', telegramUserId: 5550001 },
          services: [{ service: 0 }],
        },
        { name: 'Ирина', services: [{ service: 0, price: 1800 }] },
      ],
      hours: { start: '10:00', end: '19:00', weekdays: [1, 2, 3, 4, 5] },
    });
    const [service = '', other = ''] = salon.services;
    const [olga = '', irina = ''] = salon.masters;
    ids = { service, olga, irina, other };
    await t.db
      .insertInto('schedule_exceptions')
      .values({ master_id: ids.irina, day: '2026-12-02', kind: 'off' })
      .execute();
  });
  afterAll(() => t.drop());

  it('offers free times per master and for any master, within lead time and horizon', async () => {
    const olga = await s.booking.offers(ids.service, ids.olga, NOW);
    expect(olga[0]?.startsAt).toEqual(at('2026-11-30T10:00'));
    expect(olga.every((o) => o.masterId === ids.olga && o.price === '1500.00')).toBe(true);
    const last = olga.at(-1)?.startsAt ?? new Date(0);
    expect(last.getTime() - NOW.getTime()).toBeLessThanOrEqual(30 * 86_400_000);
    const any = await s.booking.offers(ids.service, null, NOW);
    expect(new Set(any.map((o) => o.masterId))).toEqual(new Set([ids.olga, ids.irina]));
    expect(any.find((o) => o.masterId === ids.irina)?.price).toBe('1800.00');
    const wednesday = any.filter(
      (o) => DateTime.fromJSDate(o.startsAt, { zone: ZONE }).toISODate() === '2026-12-02',
    );
    expect(wednesday.every((o) => o.masterId === ids.olga)).toBe(true);
    expect(await s.booking.offers(ids.other, null, NOW)).toEqual([]);
    const soon = await s.booking.offers(ids.service, ids.olga, at('2026-11-30T09:30'));
    expect(soon[0]?.startsAt).toEqual(at('2026-11-30T10:30'));
  });

  it('books an offered time with its buffer and tells the master through the outbox', async () => {
    const client = await s.clients.create({ name: 'Анна', phone: '+79161110001' }, SYSTEM);
    const booked = await s.booking.book(
      {
        clientId: client.id,
        serviceId: ids.service,
        masterId: ids.olga,
        startsAt: at('2026-12-01T10:00'),
        channel: 'bot',
      },
      SYSTEM,
      NOW,
    );
    expect(booked.endsAt).toEqual(at('2026-12-01T11:00'));
    const row = await t.db
      .selectFrom('appointments')
      .selectAll()
      .where('id', '=', booked.id)
      .executeTakeFirstOrThrow();
    expect(row.blocked_until).toEqual(at('2026-12-01T11:15'));
    const offers = (await s.booking.offers(ids.service, ids.olga, NOW)).map((o) =>
      o.startsAt.getTime(),
    );
    expect(offers).not.toContain(at('2026-12-01T10:00').getTime());
    expect(offers).not.toContain(at('2026-12-01T11:00').getTime());
    expect(offers).toContain(at('2026-12-01T11:15').getTime());
    const notice = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `visit-new:${booked.id}:0`)
      .executeTakeFirstOrThrow();
    expect(Number(notice.chat_id)).toBe(5550001);
    expect(readOutboxMessage(crypto, notice).text).toMatch(
      /^Новая запись: .*10:00, Стрижка\. Клиент: .+, новый\.$/,
    );
  });

  it('refuses times the schedule does not offer, and unknown services', async () => {
    const book = (iso: string, channel: 'bot' | 'panel' = 'bot') =>
      s.booking.book(
        { clientId: null, serviceId: ids.service, masterId: ids.olga, startsAt: at(iso), channel },
        SYSTEM,
        NOW,
      );
    await expect(book('2026-12-01T07:00')).rejects.toThrow(SlotTakenError);
    await expect(book('2026-12-01T18:30')).rejects.toThrow(SlotTakenError); // would end after 19:00
    await expect(book('2026-12-05T12:00')).rejects.toThrow(SlotTakenError); // Saturday
    await expect(book('2026-11-30T08:30')).rejects.toThrow(SlotTakenError); // before opening
    await expect(book('2027-03-01T12:00')).rejects.toThrow(SlotTakenError); // past the horizon
    await expect(
      s.booking.book(
        {
          clientId: null,
          serviceId: '00000000-0000-4000-8000-000000000000',
          masterId: null,
          startsAt: at('2026-12-01T12:00'),
          channel: 'bot',
        },
        SYSTEM,
        NOW,
      ),
    ).rejects.toThrow(NotFoundError);
  });

  it('lets staff book a walk-in without the lead time', async () => {
    const nowAtDesk = at('2026-12-03T09:58');
    await expect(
      s.booking.book(
        {
          clientId: null,
          serviceId: ids.service,
          masterId: ids.irina,
          startsAt: at('2026-12-03T10:00'),
          channel: 'bot',
        },
        SYSTEM,
        nowAtDesk,
      ),
    ).rejects.toThrow(SlotTakenError);
    const walkIn = await s.booking.book(
      {
        clientId: null,
        serviceId: ids.service,
        masterId: ids.irina,
        startsAt: at('2026-12-03T10:00'),
        channel: 'panel',
        createdByStaffId: null,
      },
      SYSTEM,
      nowAtDesk,
    );
    expect(walkIn.masterId).toBe(ids.irina);
  });

  it('gives "any master" to whoever is free', async () => {
    const first = await s.booking.book(
      {
        clientId: null,
        serviceId: ids.service,
        masterId: null,
        startsAt: at('2026-12-04T12:00'),
        channel: 'bot',
      },
      SYSTEM,
      NOW,
    );
    const second = await s.booking.book(
      {
        clientId: null,
        serviceId: ids.service,
        masterId: null,
        startsAt: at('2026-12-04T12:00'),
        channel: 'bot',
      },
      SYSTEM,
      NOW,
    );
    expect(new Set([first.masterId, second.masterId])).toEqual(new Set([ids.olga, ids.irina]));
    await expect(
      s.booking.book(
        {
          clientId: null,
          serviceId: ids.service,
          masterId: null,
          startsAt: at('2026-12-04T12:00'),
          channel: 'bot',
        },
        SYSTEM,
        NOW,
      ),
    ).rejects.toThrow(SlotTakenError);
  });

  it('lets exactly one of 50 clients have the same time; the others are offered other times', async () => {
    const slot = at('2026-12-07T15:00');
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        s.booking.book(
          {
            clientId: null,
            serviceId: ids.service,
            masterId: ids.olga,
            startsAt: slot,
            channel: 'bot',
          },
          SYSTEM,
          NOW,
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.filter((r) => r.status === 'rejected');
    expect(lost).toHaveLength(49);
    expect(lost.every((r) => r.status === 'rejected' && r.reason instanceof SlotTakenError)).toBe(
      true,
    );
    const rows = await t.db
      .selectFrom('appointments')
      .select('id')
      .where('master_id', '=', ids.olga)
      .where('starts_at', '=', slot)
      .execute();
    expect(rows).toHaveLength(1);
    const fresh = await s.booking.offers(ids.service, ids.olga, NOW);
    expect(fresh.map((o) => o.startsAt.getTime())).not.toContain(slot.getTime());
    expect(fresh.length).toBeGreaterThan(0);
  });
});
