import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { SlotTakenError } from '../../src/domain/booking/booking-service.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { VisitNotStartedError, VisitStateError } from '../../src/domain/visits/visit-rules.js';
import { createServices, type Services } from '../../src/runtime.js';
import { salonTime } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { addBranch, addStaff, SYSTEM, seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const { zone: ZONE, at, now: NOW } = salonTime('2026-12-01T08:00', 'Asia/Yekaterinburg');

describe('visits after booking', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let s: Services;
  let ids: { branch: string; master: string; service: string; manager: string; admin: string };
  let seq = 0;

  const newClient = async (telegram = true) => {
    seq++;
    const c = await s.clients.create(
      {
        name: `Клиент ${seq}`,
        phone: `+7916555${String(1000 + seq)}`,
        ...(telegram ? { telegramUserId: 7_000 + seq } : {}),
        allergies: 'орехи',
      },
      SYSTEM,
    );
    await recordConsents(t.db, c.id, [{ purpose: 'health_data', granted: true }], 'telegram');
    return c;
  };
  const book = (clientId: string | null, iso: string) =>
    s.booking.book(
      { clientId, serviceId: ids.service, masterId: ids.master, startsAt: at(iso), channel: 'bot' },
      SYSTEM,
      NOW,
    );

  beforeAll(async () => {
    t = await createTestDatabase('visits');
    crypto = await testCrypto();
    s = createServices({ db: t.db, crypto, logger: silentLogger, clock: () => NOW });
    const salon = await seedSalon(s, {
      zone: ZONE,
      branch: { name: 'Екб' },
      masters: [{ name: 'Мастер', staff: { email: 'm@s.test', telegramUserId: 100 } }],
    });
    const staff = (email: string, role: 'manager' | 'admin', tg: number, branchId: string | null) =>
      addStaff(s, { email, role, telegramUserId: tg, branchId });
    const manager = await staff('boss@s.test', 'manager', 101, salon.branch);
    const admin = await staff('admin@s.test', 'admin', 102, null);
    // A manager of another branch hears nothing about this one.
    const other = await addBranch(s, { name: 'Другой', zone: ZONE });
    await staff('other@s.test', 'manager', 103, other);
    const [master = ''] = salon.masters;
    ids = { branch: salon.branch, master, service: salon.service, manager, admin };
  });
  afterAll(() => t.drop());

  it('books walk-ins and phone calls for staff only, recorded as theirs, under the same guarantee', async () => {
    const c = await newClient();
    const staffActor = { type: 'staff' as const, id: ids.manager };
    const walkIn = await s.booking.bookForStaff(
      {
        clientId: null,
        serviceId: ids.service,
        masterId: ids.master,
        startsAt: at('2026-12-01T09:00'),
      },
      staffActor,
      at('2026-12-01T08:50'),
    );
    const row = await t.db
      .selectFrom('appointments')
      .select(['channel', 'created_by_staff_id'])
      .where('id', '=', walkIn.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ channel: 'panel', created_by_staff_id: ids.manager });
    await expect(book(c.id, '2026-12-01T09:00')).rejects.toThrow(SlotTakenError);
    await expect(
      s.booking.bookForStaff(
        {
          clientId: c.id,
          serviceId: ids.service,
          masterId: ids.master,
          startsAt: at('2026-12-01T08:30'),
        },
        SYSTEM,
        NOW,
      ),
    ).rejects.toThrow(InvalidInputError);
  });

  it('completes a paid visit: amount, discount, referral qualified once, rating asked', async () => {
    const referrer = await newClient();
    const friend = await newClient();
    await t.db
      .transaction()
      .execute((tx) => s.referrals.attribute(tx, friend.id, referrer.referralCode));
    const visit = await s.booking.book(
      {
        clientId: friend.id,
        serviceId: ids.service,
        masterId: ids.master,
        startsAt: at('2026-12-02T10:00'),
        channel: 'bot',
        discountPct: 10,
      },
      SYSTEM,
      NOW,
    );
    const staffActor = { type: 'staff' as const, id: ids.manager };
    await expect(s.visits.complete(visit.id, {}, staffActor, NOW)).rejects.toThrow(
      VisitNotStartedError,
    );
    const later = at('2026-12-02T11:00');
    for (const amount of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1e12])
      await expect(s.visits.complete(visit.id, { amount }, staffActor, later)).rejects.toThrow(
        InvalidInputError,
      );
    const done = await s.visits.complete(visit.id, {}, staffActor, later);
    expect(done.amountPaid).toBe('900.00');
    await expect(s.visits.complete(visit.id, {}, staffActor, later)).rejects.toThrow(
      VisitStateError,
    );
    await expect(s.visits.markNoShow(visit.id, staffActor, later)).rejects.toThrow(VisitStateError);
    expect((await s.referrals.summary(referrer.id)).qualified).toBe(1);
    const ask = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `rate-ask:${visit.id}`)
      .executeTakeFirstOrThrow();
    expect(readOutboxMessage(crypto, ask).buttons?.[0]?.map((b) => b.intent)).toEqual(
      [1, 2, 3, 4, 5].map((score) => ({ kind: 'rate-visit', visitId: visit.id, score })),
    );
  });

  it('a free visit (0 paid) does not qualify a referral', async () => {
    const referrer = await newClient();
    const friend = await newClient();
    await t.db
      .transaction()
      .execute((tx) => s.referrals.attribute(tx, friend.id, referrer.referralCode));
    const visit = await book(friend.id, '2026-12-03T10:00');
    await s.visits.complete(visit.id, { amount: 0 }, SYSTEM, at('2026-12-03T12:00'));
    expect((await s.referrals.summary(referrer.id)).qualified).toBe(0);
  });

  it('a low rating alerts the branch managers and admins only; erasing the client deletes alerts, agenda and comment', async () => {
    const c = await newClient();
    const visit = await book(c.id, '2026-12-04T10:00');
    const later = at('2026-12-04T12:00');
    // The agenda for that day names the client.
    expect(await s.visits.queueAgendas(at('2026-12-04T08:10'))).toBe(1);
    await s.visits.complete(visit.id, {}, SYSTEM, later);
    await expect(s.visits.rate(c.id, visit.id, 0)).rejects.toThrow(InvalidInputError);
    await expect(s.visits.rate(c.id, visit.id, 6)).rejects.toThrow(InvalidInputError);
    await expect(s.visits.rate(c.id, visit.id, 2.5)).rejects.toThrow(InvalidInputError);
    expect(await s.visits.rate(c.id, visit.id, 2)).toEqual({ alerted: true });
    expect(await s.visits.rate(c.id, visit.id, 4)).toEqual({ alerted: false }); // changed mind
    await s.visits.comment(c.id, visit.id, 'было долго');
    expect(await s.visits.feedbackOf(visit.id)).toEqual({ score: 4, comment: 'было долго' });
    const alerts = await t.db
      .selectFrom('outbox')
      .select(['chat_id'])
      .where('kind', '=', 'rate-alert')
      .execute();
    expect(alerts.map((a) => Number(a.chat_id)).sort()).toEqual([101, 102]); // not 103
    await s.clients.erase(c.id, SYSTEM);
    const left = await t.db
      .selectFrom('outbox')
      .select('kind')
      .where((eb) => eb.or([eb('kind', '=', 'rate-alert'), eb('kind', '=', 'agenda')]))
      .execute();
    expect(left).toEqual([]);
    const feedback = await t.db
      .selectFrom('visit_feedback')
      .selectAll()
      .where('appointment_id', '=', visit.id)
      .executeTakeFirstOrThrow();
    expect(feedback).toMatchObject({ score: 4, comment_enc: null, client_id: null });
    expect((await s.visits.get(visit.id))?.status).toBe('done'); // statistics stay
  });

  it('staff cancellation tells the client; no reminders for erased, blocked or Telegram-less clients', async () => {
    const c = await newClient();
    const visit = await book(c.id, '2026-12-05T10:00');
    await s.visits.cancelByStaff(visit.id, { type: 'staff', id: ids.manager });
    const notice = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `visit-cancelled-by-salon:${visit.id}`)
      .executeTakeFirstOrThrow();
    expect(readOutboxMessage(crypto, notice).text).toMatch(/^Салон отменил ваш визит/);

    const noTelegram = await newClient(false);
    const blocked = await newClient();
    const erased = await newClient();
    await book(noTelegram.id, '2026-12-06T10:00');
    await book(blocked.id, '2026-12-06T12:00');
    await book(erased.id, '2026-12-06T14:00');
    await s.clients.setBotBlocked(blocked.telegramUserId ?? 0, true);
    await s.clients.erase(erased.id, SYSTEM);
    expect(await s.visits.queueReminders(at('2026-12-06T09:00'))).toBe(0);
  });
});
