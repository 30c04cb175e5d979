import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { setSetting } from '../../src/domain/settings.js';
import type { startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import { greetingsJob } from '../../src/jobs/scheduled-jobs.js';
import { startJobs } from '../../src/jobs/start-jobs.js';
import type { FakeUser } from '../helpers/fake-bot-api.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { BotHarness } from './bot-harness.js';
import { at, seedSalon } from './salon-fixture.js';

describe('bot: birthday, holiday and win-back greetings', () => {
  const h = new BotHarness();
  let dispatcher: ReturnType<typeof startDispatcher>;
  let ids: Awaited<ReturnType<typeof seedSalon>>;
  let phone = 0;
  const person = async (
    first: string,
    options: {
      birthday?: { day: number; month: number; year?: number };
      marketing: boolean;
      tags?: string[];
      lang?: 'ru' | 'en';
    },
  ) => {
    const user = h.fake.user({ language_code: options.lang ?? 'ru', first_name: first });
    const c = await h.clients.create(
      {
        name: first,
        phone: `+7916777${String(1000 + ++phone)}`,
        telegramUserId: user.id,
        locale: options.lang ?? 'ru',
        birthday: options.birthday ? { year: 1990, ...options.birthday } : null,
        tags: options.tags ?? [],
      },
      SYSTEM,
    );
    await recordConsents(
      h.t.db,
      c.id,
      [
        { purpose: 'personal_data', granted: true },
        { purpose: 'marketing', granted: options.marketing },
      ],
      'telegram',
    );
    return { user, client: c };
  };
  /** Everything the bot sends a user within a short while. */
  const inbox = async (user: FakeUser) => {
    await dispatcher.runOnce();
    const got: string[] = [];
    for (;;) {
      try {
        got.push((await user.nextReply({ timeoutMs: 100 })).text ?? '');
      } catch {
        return got;
      }
    }
  };

  beforeAll(async () => {
    await h.setUp();
    ids = await seedSalon(h);
    dispatcher = h.dispatcher();
  });
  afterAll(() => h.tearDown());

  it('birthdays: once per client a year, with a coupon, even from two job instances at once; none without marketing consent', async () => {
    const anna = await person('Анна', { birthday: { day: 14, month: 3 }, marketing: true });
    const boris = await person('Борис', { birthday: { day: 14, month: 3 }, marketing: false });
    const bob = await person('Bob', {
      birthday: { day: 14, month: 3 },
      marketing: true,
      lang: 'en',
    });
    const other = await person('Вика', { birthday: { day: 15, month: 3 }, marketing: true });
    const now = at('2027-03-14T10:05');
    h.now = now;
    // Before the greeting hour: nothing.
    expect(await h.services.greetings.runBirthdays(at('2027-03-14T09:55'))).toBe(0);
    const first = startJobs({
      db: h.t.db,
      logger: silentLogger,
      jobs: [greetingsJob(h.services.greetings, () => now)],
    });
    const second = startJobs({
      db: h.t.db,
      logger: silentLogger,
      jobs: [greetingsJob(h.services.greetings, () => now)],
    });
    try {
      const tick = at('2027-03-14T10:00');
      const runs = await Promise.all([
        first.runNow('greetings', tick),
        second.runNow('greetings', tick),
      ]);
      expect(runs.sort()).toEqual(['ran', 'skipped']);
      // The same day again, by hand and twice at once: nothing more.
      expect(
        await Promise.all([
          h.services.greetings.runBirthdays(now),
          h.services.greetings.runBirthdays(now),
        ]),
      ).toEqual([0, 0]);
      await first.runNow('greetings', at('2027-03-14T10:15'));
    } finally {
      await first.stop();
      await second.stop();
    }
    const annaGot = await inbox(anna.user);
    expect(annaGot).toHaveLength(1);
    expect(annaGot[0]).toMatch(
      /^Анна, с днём рождения! Дарим купон BD-[A-Z2-9]{8} на скидку — действует до 28 марта\. Центр$/,
    );
    expect(await inbox(bob.user)).toEqual([
      expect.stringMatching(
        /^Bob, happy birthday! Here is a coupon BD-[A-Z2-9]{8}, valid until 28 March\. Центр$/,
      ),
    ]);
    expect(await inbox(boris.user)).toEqual([]);
    expect(await inbox(other.user)).toEqual([]);
    const coupons = await h.services.loyalty.coupons(anna.client.id, now);
    expect(coupons).toEqual([expect.objectContaining({ kind: 'birthday', percent: 10 })]);
    expect(annaGot[0]).toContain(coupons[0]?.code);
  });

  it('withdrawing marketing consent drops greetings already queued', async () => {
    const { user, client } = await person('Рита', {
      birthday: { day: 20, month: 3 },
      marketing: true,
    });
    expect(await h.services.greetings.runBirthdays(at('2027-03-20T10:30'))).toBe(1);
    await recordConsents(h.t.db, client.id, [{ purpose: 'marketing', granted: false }], 'telegram');
    expect(await inbox(user)).toEqual([]);
  });

  it('29 February birthdays are greeted on 28 February in common years', async () => {
    const leapling = await person('Лея', {
      birthday: { day: 29, month: 2, year: 1992 },
      marketing: true,
    });
    expect(await h.services.greetings.runBirthdays(at('2027-02-28T11:00'))).toBe(1);
    expect(await h.services.greetings.runBirthdays(at('2027-03-01T11:00'))).toBe(0);
    expect(await inbox(leapling.user)).toHaveLength(1);
  });

  it('holidays: the default calendar, an audience by tags, once per occurrence', async () => {
    const vip = await person('Зоя', { marketing: true, tags: ['vip'] });
    const plain = await person('Яна', { marketing: true });
    const silent = await person('Ира', { marketing: false, tags: ['vip'] });
    const march8 = await h.t.db
      .selectFrom('holidays')
      .select('id')
      .where('name', '=', '8 марта')
      .executeTakeFirstOrThrow();
    await h.t.db
      .updateTable('holidays')
      .set({ audience: JSON.stringify({ kind: 'tags', tags: ['vip'] }) })
      .where('id', '=', march8.id)
      .execute();
    const now = at('2027-03-08T10:30');
    const sent = await Promise.all([
      h.services.greetings.runHolidays(now),
      h.services.greetings.runHolidays(now),
    ]);
    expect(sent[0] + sent[1]).toBeGreaterThanOrEqual(1);
    expect(await h.services.greetings.runHolidays(at('2027-03-08T11:30'))).toBe(0);
    expect(await inbox(vip.user)).toEqual([
      expect.stringMatching(/^Зоя, с 8 Марта! Весеннего настроения\. Ваша скидка — 0%\. Центр$/),
    ]);
    expect(await inbox(plain.user)).toEqual([]);
    expect(await inbox(silent.user)).toEqual([]);
    // Next year is another occurrence.
    expect(await h.services.greetings.runHolidays(at('2028-03-08T10:30'))).toBeGreaterThanOrEqual(
      1,
    );
    expect(await inbox(vip.user)).toHaveLength(1);
  });

  it('win-back: six months without a visit brings one message with a unique coupon; the panel counts who came back', async () => {
    const lost = await person('Таня', { marketing: true });
    const recent = await person('Оля', { marketing: true });
    const bookDone = async (clientId: string, iso: string) => {
      const visit = await h.services.booking.book(
        {
          clientId,
          serviceId: ids.haircut,
          masterId: ids.irina,
          startsAt: at(iso),
          channel: 'panel',
        },
        SYSTEM,
        at(iso),
      );
      await h.services.visits.complete(visit.id, {}, SYSTEM, at(iso));
    };
    await bookDone(lost.client.id, '2027-01-10T12:00');
    await bookDone(recent.client.id, '2027-05-10T12:00');
    await inbox(lost.user); // the rating requests after those visits
    await inbox(recent.user);
    const now = at('2027-07-11T10:30');
    expect(await h.services.greetings.runWinback(at('2027-07-09T10:30'))).toBe(0); // not yet six months
    expect(await h.services.greetings.runWinback(now)).toBe(1);
    expect(await h.services.greetings.runWinback(at('2027-07-12T10:30'))).toBe(0);
    const got = await inbox(lost.user);
    expect(got).toEqual([
      expect.stringMatching(
        /^Таня, давно вас не видели! Для вас купон WB-[A-Z2-9]{8} — действует до 10 августа\./,
      ),
    ]);
    expect(await inbox(recent.user)).toEqual([]);
    expect(await h.services.greetings.winbackStats(now)).toEqual({
      sent: 1,
      cameBack: 0,
      waiting: 1,
    });
    // She books again within 60 days.
    await h.services.booking.book(
      {
        clientId: lost.client.id,
        serviceId: ids.haircut,
        masterId: ids.irina,
        startsAt: at('2027-07-20T12:00'),
        channel: 'bot',
      },
      SYSTEM,
      at('2027-07-15T12:00'),
    );
    expect((await h.services.greetings.winbackStats(now)).cameBack).toBe(1);
  });

  it('templates: unknown placeholders refused when saved, and a preview for a chosen client', async () => {
    const { client } = await person('Алиса', { marketing: true });
    await expect(
      h.services.templates.save('birthday', 'ru', 'С днём рождения, {имя}!', SYSTEM),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      h.services.templates.save('birthday', 'de', 'Hallo {name}', SYSTEM),
    ).rejects.toThrow(InvalidInputError);
    await expect(h.services.templates.save('../../etc', 'ru', 'x', SYSTEM)).rejects.toThrow(
      InvalidInputError,
    );
    await h.services.templates.save(
      'birthday',
      'ru',
      '{name}, с праздником! Купон {coupon} до {valid_until}, скидка {discount}%.',
      SYSTEM,
    );
    expect(
      await h.services.greetings.preview('birthday', 'ru', client.id, at('2027-03-01T10:00')),
    ).toBe('Алиса, с праздником! Купон XX-EXAMPLE до 15 марта, скидка 0%.');
    await setSetting(h.t.db, 'birthday.coupon_percent', 0);
  });
});
