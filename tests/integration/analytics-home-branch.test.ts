import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { setSetting } from '../../src/domain/settings.js';
import { createServices, type Services } from '../../src/runtime.js';
import { zonedAt } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const MOSCOW = 'Europe/Moscow';
const VLADIVOSTOK = 'Asia/Vladivostok';
const moscow = zonedAt(MOSCOW);
const vlad = zonedAt(VLADIVOSTOK);
const NOW = moscow('2026-06-01T12:00');

describe("clients' home branch", () => {
  let t: TestDatabase;
  let s: Services;
  let ids: { moscow: string; vlad: string; service: string; mMoscow: string; mVlad: string };
  let seq = 0;

  const newClient = async (birthday?: { day: number; month: number }) => {
    seq++;
    const c = await s.clients.create(
      {
        name: `Клиент ${seq}`,
        phone: `+7916333${String(1000 + seq)}`,
        telegramUserId: 8_000 + seq,
        ...(birthday ? { birthday: { ...birthday, year: 1990 } } : {}),
      },
      SYSTEM,
    );
    await recordConsents(t.db, c.id, [{ purpose: 'marketing', granted: true }], 'telegram');
    return c.id;
  };
  const home = async (clientId: string) =>
    (
      await t.db
        .selectFrom('clients')
        .select('home_branch_id')
        .where('id', '=', clientId)
        .executeTakeFirstOrThrow()
    ).home_branch_id;
  const book = (clientId: string, masterId: string, startsAt: Date) =>
    s.booking.book(
      { clientId, serviceId: ids.service, masterId, startsAt, channel: 'bot' },
      SYSTEM,
      NOW,
    );

  beforeAll(async () => {
    t = await createTestDatabase('homebranch');
    s = createServices({
      db: t.db,
      crypto: await testCrypto(),
      logger: silentLogger,
      clock: () => NOW,
      timeZone: MOSCOW,
    });
    const salon = await seedSalon(s, {
      zone: MOSCOW,
      branch: { name: 'Москва' },
      masters: [{ name: 'Мастер М' }],
    });
    const vladBranch = await s.catalogue.createBranch(
      { name: 'Владивосток', timeZone: VLADIVOSTOK },
      SYSTEM,
    );
    const mVlad = await s.catalogue.createMaster(
      { branchId: vladBranch, displayName: 'Мастер В', staffUserId: null },
      SYSTEM,
    );
    await s.catalogue.setMasterServices(mVlad, [{ serviceId: salon.service, price: null }], SYSTEM);
    await s.catalogue.setWeeklyHours(
      mVlad,
      [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '21:00' })),
      SYSTEM,
    );
    ids = {
      moscow: salon.branch,
      vlad: vladBranch,
      service: salon.service,
      mMoscow: salon.masters[0] ?? '',
      mVlad,
    };
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
  });

  it('is the branch of the first booking, kept when the client books elsewhere', async () => {
    const c = await newClient();
    expect(await home(c)).toBeNull();
    const first = await book(c, ids.mVlad, vlad('2026-06-10T12:00'));
    expect(await home(c)).toBe(ids.vlad);
    const audit = await t.db
      .selectFrom('audit_log')
      .select('details')
      .where('entity_id', '=', first.id)
      .where('action', '=', 'book')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ homeBranchSet: true });
    await book(c, ids.mMoscow, moscow('2026-06-11T12:00'));
    expect(await home(c)).toBe(ids.vlad);
  });

  it('is never overwritten once staff chose it', async () => {
    const c = await newClient();
    await s.clients.update(c, { homeBranchId: ids.moscow }, SYSTEM);
    await book(c, ids.mVlad, vlad('2026-06-12T12:00'));
    expect(await home(c)).toBe(ids.moscow);
    await expect(s.clients.update(c, { homeBranchId: 'not-a-branch' }, SYSTEM)).rejects.toThrow(
      /homeBranchId/,
    );
    expect(await home(c)).toBe(ids.moscow);
  });

  it("greets at the home branch's local hour, not the salon's", async () => {
    const c = await newClient({ day: 15, month: 6 });
    await book(c, ids.mVlad, vlad('2026-06-13T12:00'));
    // 10:00 in Moscow is 17:00 in Vladivostok: not the greeting hour there.
    expect(await s.greetings.runBirthdays(moscow('2026-06-15T10:00'))).toBe(0);
    // 10:00 in Vladivostok (03:00 in Moscow).
    expect(await s.greetings.runBirthdays(vlad('2026-06-15T10:00'))).toBe(1);
    const sent = await t.db
      .selectFrom('greeting_messages')
      .select(['client_id', 'sent_at', 'occurrence'])
      .where('greeting', '=', 'birthday')
      .execute();
    expect(sent).toEqual([{ client_id: c, sent_at: vlad('2026-06-15T10:00'), occurrence: '2026' }]);
  });

  it('win-back follows the churn model when the salon chooses it', async () => {
    const c = await newClient();
    await s.clients.update(c, { homeBranchId: ids.moscow }, SYSTEM);
    // A 30-day rhythm, last seen 50 days before: at risk by the model, long before 6 months.
    for (const day of ['2026-02-11', '2026-03-13', '2026-04-12']) {
      const starts = moscow(`${day}T12:00`);
      const ends = new Date(starts.getTime() + 3_600_000);
      await t.db
        .insertInto('appointments')
        .values({
          branch_id: ids.moscow,
          master_id: ids.mMoscow,
          service_id: ids.service,
          client_id: c,
          starts_at: starts,
          ends_at: ends,
          blocked_until: ends,
          status: 'done',
          price: '1000',
          amount_paid: '1000',
          channel: 'panel',
          created_at: starts,
          updated_at: starts,
        })
        .execute();
    }
    const at10 = moscow('2026-06-01T10:30');
    expect(await s.greetings.runWinback(at10)).toBe(0);
    await setSetting(t.db, 'winback.use_churn_model', true);
    expect(await s.greetings.runWinback(at10)).toBe(1);
    expect(await s.greetings.runWinback(at10)).toBe(0);
    const sent = await t.db
      .selectFrom('greeting_messages')
      .select('client_id')
      .where('greeting', '=', 'winback')
      .execute();
    expect(sent).toEqual([{ client_id: c }]);
  });
});
