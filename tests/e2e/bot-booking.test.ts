import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setSetting } from '../../src/domain/settings.js';
import type { startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import { remindersJob } from '../../src/jobs/scheduled-jobs.js';
import { startJobs } from '../../src/jobs/start-jobs.js';
import { zonedAt } from '../helpers/clock.js';
import { type BotMessage, buttons, type FakeUser } from '../helpers/fake-bot-api.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon as seedSalonCatalogue } from '../helpers/salon.js';
import { BotHarness, bookVisit } from './bot-harness.js';
import { at, client, dayButton, seedSalon, toCalendar } from './salon-fixture.js';

describe('bot: booking, visits, masters, reminders and ratings', () => {
  const h = new BotHarness();
  let ids: Awaited<ReturnType<typeof seedSalon>>;
  let dispatcher: ReturnType<typeof startDispatcher>;
  let olga: FakeUser;
  let irina: FakeUser;
  let boss: FakeUser;
  /** Sends what the outbox holds and drops what a staff member had not read yet. */
  const flush = async (...users: FakeUser[]) => {
    await dispatcher.runOnce();
    for (const u of users) {
      for (;;) {
        try {
          await u.nextReply({ timeoutMs: 30 });
        } catch {
          break;
        }
      }
    }
  };
  beforeAll(async () => {
    await h.setUp();
    ids = await seedSalon(h);
    dispatcher = h.dispatcher();
    olga = h.fake.user({ id: 9100001, language_code: 'ru', first_name: 'Ольга' });
    irina = h.fake.user({ id: 9100002, language_code: 'ru', first_name: 'Ирина' });
    boss = h.fake.user({ id: 9100003, language_code: 'ru', first_name: 'Управляющая' });
  });
  afterAll(() => h.tearDown());

  it('books a visit with Back, bad input and an old button on the way; sends the .ics; tells the master', async () => {
    h.now = at('2026-11-30T09:00'); // Monday
    const user = h.fake.user({ language_code: 'ru', first_name: 'Анна' });
    await client(h, user, '+79160000001');

    user.send('📅 Записаться');
    const categories = await user.nextReply();
    expect(buttons(categories).flat()).toEqual(['Волосы', 'Ногти', 'Отмена']);
    user.send('хочу на завтра'); // typed instead of pressing
    expect((await user.nextReply()).text).toMatch(/кнопкой/);
    user.send('x'.repeat(4096)); // huge
    expect((await user.nextReply()).text).toMatch(/кнопкой/);
    user.click('Волосы');
    const services = await user.nextReply();
    expect(buttons(services).flat()).toEqual([
      'Окрашивание · 5000 ₽ · 120 мин',
      'Стрижка · 2000 ₽ · 60 мин',
      '← Назад',
      'Отмена',
    ]);
    user.click('← Назад');
    expect((await user.nextReply()).text).toBe('Что вас интересует?');
    user.click('Волосы');
    await user.nextReply();
    // The category button of the first message, pressed again now that services are shown.
    expect(await user.clickForAnswer('Ногти', { message: categories })).toMatchObject({
      text: 'Эта кнопка устарела.',
    });
    user.click('Стрижка · 2000 ₽ · 60 мин');
    const masters = await user.nextReply();
    expect(buttons(masters).flat()).toEqual([
      'Любой мастер',
      'Ирина',
      'Ольга',
      '← Назад',
      'Отмена',
    ]);
    user.click('Ольга');
    const calendar = await user.nextReply();
    expect(calendar.text).toMatch(/Выберите день/);
    // Today from 10:00 is still free (lead time 60 min from 09:00), up to the 30-day horizon.
    dayButton(calendar, '2026-11-30');
    user.click(dayButton(calendar, '2026-12-02'));
    const times = await user.nextReply();
    expect(times.text).toBe('Свободное время, среда 2 декабря:');
    expect(buttons(times).flat()).toContain('10:00');
    expect(buttons(times).flat()).toContain('18:00');
    expect(buttons(times).flat()).not.toContain('18:15'); // would end after 19:00
    user.click('11:00');
    const confirm = await user.nextReply();
    expect(confirm.text).toBe(
      [
        'Проверьте запись:',
        'Стрижка',
        'Мастер: Ольга',
        'Когда: ср 2 декабря, 11:00',
        'Цена: 2000 ₽',
      ].join('\n'),
    );
    user.click('✅ Записаться');
    const done = await user.nextReply();
    expect(done.text).toMatch(/^Вы записаны! Стрижка, мастер Ольга, ср 2 декабря, 11:00\./);
    expect(done.text).toContain('Тверская, 1');
    const file = await user.nextReply();
    expect(file.method).toBe('sendDocument');
    expect(file.document?.file_name).toBe('visit.ics');
    const ics = file.document?.bytes.toString('utf8') ?? '';
    expect(ics).toContain('BEGIN:VEVENT');
    expect(ics).toContain('DTSTART:20261202T080000Z');
    expect(ics).toContain('DTEND:20261202T090000Z');
    expect(ics).toContain('SUMMARY:Стрижка — Ольга');
    expect(ics.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);

    await dispatcher.runOnce();
    expect((await olga.nextReply()).text).toBe(
      'Новая запись: ср 2 декабря, 11:00, Стрижка. Клиент: Анна Клиентова, новый.',
    );
    // The old confirmation button, after the booking is over.
    expect(await user.clickForAnswer('✅ Записаться', { message: confirm })).toMatchObject({
      text: 'Эта кнопка устарела.',
    });
    const visits = await h.t.db
      .selectFrom('appointments')
      .select(['master_id', 'price', 'channel'])
      .where('client_id', 'is not', null)
      .execute();
    expect(visits).toEqual([{ master_id: ids.olga, price: '2000.00', channel: 'bot' }]);
  });

  it('forged and garbage button data are answered as out of date, and the booking goes on', async () => {
    h.now = at('2026-11-30T09:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Фёкла' });
    await client(h, user, '+79160000012');
    const calendar = await toCalendar(user, 'Волосы', /^Стрижка/, 'Ольга');
    const forge = (data: string) =>
      user.clickForAnswer('forged', {
        message: {
          ...calendar,
          reply_markup: { inline_keyboard: [[{ text: 'forged', callback_data: data }]] },
        },
      });
    for (const data of [
      'bk:d:2099-01-01',
      'bk:d:../../etc',
      'bk:s:999',
      'bk:t:abc',
      'bk:ok:',
      'x'.repeat(64),
      '',
    ]) {
      expect(await forge(data), data).toMatchObject({ text: 'Эта кнопка устарела.' });
    }
    user.click(dayButton(calendar, '2026-12-01'));
    const times = await user.nextReply();
    expect(times.text).toBe('Свободное время, вторник 1 декабря:');
    const forgedTime = {
      ...times,
      reply_markup: { inline_keyboard: [[{ text: 'forged', callback_data: 'bk:t:1' }]] },
    };
    expect(await user.clickForAnswer('forged', { message: forgedTime })).toMatchObject({
      text: 'Эта кнопка устарела.',
    });
    user.click('Отмена');
    expect((await user.nextReply()).text).toMatch(/^Запись отменена/);
    expect(
      await h.t.db
        .selectFrom('appointments as a')
        .innerJoin('clients as c', 'c.id', 'a.client_id')
        .select('a.id')
        .where('c.telegram_user_id', '=', String(user.id))
        .execute(),
    ).toEqual([]);
  });

  it('"any master" gives the time to whoever is free, at that master\'s price', async () => {
    h.now = at('2026-11-30T09:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Борис' });
    await client(h, user, '+79160000002');
    // Olga is busy at 12:00 on 3 December.
    await h.services.booking.book(
      {
        clientId: null,
        serviceId: ids.haircut,
        masterId: ids.olga,
        startsAt: at('2026-12-03T12:00'),
        channel: 'panel',
      },
      SYSTEM,
      h.now,
    );
    const { confirm, done } = await bookVisit(user, {
      category: 'Волосы',
      service: /^Стрижка/,
      master: 'Любой мастер',
      day: '2026-12-03',
      time: '12:00',
    });
    expect(confirm.text).toContain('Мастер: Ирина (любой мастер)');
    expect(confirm.text).toContain('Цена: 1800 ₽');
    expect(done?.text).toMatch(/мастер Ирина, чт 3 декабря, 12:00/);
  });

  it('answers a time taken meanwhile with "just taken" and fresh times, never an error', async () => {
    h.now = at('2026-11-30T09:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Вера' });
    await client(h, user, '+79160000003');
    await bookVisit(
      user,
      {
        category: 'Волосы',
        service: /^Стрижка/,
        master: 'Ольга',
        day: '2026-12-04',
        time: '15:00',
      },
      { confirm: false },
    );
    await h.services.booking.book(
      {
        clientId: null,
        serviceId: ids.haircut,
        masterId: ids.olga,
        startsAt: at('2026-12-04T15:00'),
        channel: 'panel',
      },
      SYSTEM,
      h.now,
    );
    user.click('✅ Записаться');
    const fresh = await user.nextReply();
    expect(fresh.text).toMatch(/^Извините, это время только что занял кто-то другой/);
    expect(buttons(fresh).flat()).not.toContain('15:00');
    expect(buttons(fresh).flat()).not.toContain('14:30'); // its buffer and length
    expect(buttons(fresh).flat()).toContain('16:15');
    user.click('16:15');
    await user.nextReply();
    user.click('✅ Записаться');
    expect((await user.nextReply()).text).toMatch(/^Вы записаны!.*16:15/);
    await user.nextReply();
  });

  it('moves and cancels within the cut-off; past it, says whom to call', async () => {
    h.now = at('2026-11-30T09:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Галина' });
    const c = await client(h, user, '+79160000004');
    const first = await h.services.booking.book(
      {
        clientId: c.id,
        serviceId: ids.haircut,
        masterId: ids.olga,
        startsAt: at('2026-12-08T10:00'),
        channel: 'bot',
      },
      { type: 'client', id: c.id },
      h.now,
    );
    const second = await h.services.booking.book(
      {
        clientId: c.id,
        serviceId: ids.haircut,
        masterId: ids.olga,
        startsAt: at('2026-12-09T10:00'),
        channel: 'bot',
      },
      { type: 'client', id: c.id },
      h.now,
    );
    await flush(olga, irina, boss);

    user.send('🗓 Мои визиты');
    const list = await user.nextReply();
    expect(list.text).toContain('вт 8 декабря, 10:00 — Стрижка, мастер Ольга (Центр)');
    user.click(`cv:mv:${first.id}`);
    const calendar = await user.nextReply();
    expect(buttons(calendar).flat()).not.toContain('← Назад'); // moving starts here
    user.click(dayButton(calendar, '2026-12-08'));
    const times = await user.nextReply();
    // Moving by 15 minutes is possible: the visit does not block itself.
    expect(buttons(times).flat()).toContain('10:15');
    user.click('13:00');
    const confirm = await user.nextReply();
    expect(confirm.text).toBe(
      'Перенести визит?\nСтрижка\nБыло: вт 8 декабря, 10:00\nСтанет: вт 8 декабря, 13:00',
    );
    user.click('✅ Перенести');
    expect((await user.nextReply()).text).toMatch(
      /^Перенесено! Стрижка, мастер Ольга, теперь вт 8 декабря, 13:00/,
    );
    await user.nextReply(); // new .ics
    await dispatcher.runOnce();
    expect((await olga.nextReply()).text).toBe(
      'Визит перенесён: Стрижка, с вт 8 декабря, 10:00 на вт 8 декабря, 13:00.',
    );

    user.send('🗓 Мои визиты');
    await user.nextReply();
    user.click(`cv:cx:${second.id}`);
    expect((await user.nextReply()).text).toBe('Отменить визит ср 9 декабря, 10:00, Стрижка?');
    user.click('Нет, оставить');
    expect((await user.nextReply()).text).toBe('Хорошо, визит остаётся.');
    user.click(`cv:cx:${second.id}`);
    await user.nextReply();
    user.click('Да, отменить');
    expect((await user.nextReply()).text).toBe('Визит ср 9 декабря, 10:00 отменён.');
    await dispatcher.runOnce();
    expect((await olga.nextReply()).text).toBe('Визит отменён: ср 9 декабря, 10:00, Стрижка.');
    // Pressing the same Cancel again: the visit is closed.
    user.click(`cv:cx:${second.id}`);
    expect((await user.nextReply()).text).toBe('Этот визит уже закрыт.');

    // Eleven hours before the moved visit: past the 12-hour cut-off.
    h.now = at('2026-12-08T02:00');
    user.send('🗓 Мои визиты');
    await user.nextReply();
    user.click(`cv:mv:${first.id}`);
    expect((await user.nextReply()).text).toBe(
      'Изменить этот визит онлайн уже нельзя (до него меньше 12 ч). Позвоните, пожалуйста, в салон: +7 495 000-00-00.',
    );
    user.click(`cv:cx:${first.id}`);
    expect((await user.nextReply()).text).toMatch(/^Изменить этот визит онлайн уже нельзя/);
    expect((await h.services.visits.get(first.id))?.status).toBe('booked');
    // Someone else's visit id in a forged button: not found, nothing changes.
    const other = h.fake.user({ language_code: 'ru', first_name: 'Чужой' });
    await client(h, other, '+79160000005');
    const forged: BotMessage = {
      ...confirm,
      reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: `cv:cxy:${first.id}` }]] },
    };
    other.click('x', { message: forged });
    expect((await other.nextReply()).text).toBe('Визит не найден.');
    expect((await h.services.visits.get(first.id))?.status).toBe('booked');
  });

  it('a master marks done (with a corrected amount) and no-show, only on their own visits; a 1-star rating alerts the manager', async () => {
    h.now = at('2026-12-10T07:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Дарья' });
    const c = await client(h, user, '+79160000006');
    const noHealth = h.fake.user({ language_code: 'ru', first_name: 'Ефим' });
    const c2 = await client(h, noHealth, '+79160000007', false);
    const visit = await h.services.booking.book(
      {
        clientId: c.id,
        serviceId: ids.haircut,
        masterId: ids.olga,
        startsAt: at('2026-12-10T10:00'),
        channel: 'panel',
        discountPct: 5,
      },
      SYSTEM,
      h.now,
    );
    const missed = await h.services.booking.book(
      {
        clientId: c2.id,
        serviceId: ids.haircut,
        masterId: ids.olga,
        startsAt: at('2026-12-10T12:00'),
        channel: 'panel',
      },
      SYSTEM,
      h.now,
    );
    await flush(olga, irina, boss);

    // The agenda at 08:00 Moscow time, once however often the job looks.
    h.now = at('2026-12-10T08:05');
    expect(await h.services.visits.queueAgendas(h.now)).toBe(2); // Olga and Irina
    expect(await h.services.visits.queueAgendas(at('2026-12-10T08:20'))).toBe(0);
    await dispatcher.runOnce();
    const agenda = await olga.nextReply();
    expect(agenda.text).toContain('Ваши визиты, четверг 10 декабря:');
    expect(agenda.text).toContain('10:00 — Дарья Клиентова, Стрижка (1900 ₽)');
    expect(agenda.text).toContain('Заметки: любит короткие стрижки');
    expect(agenda.text).toContain('⚠️ Аллергии: латекс'); // Daria consented to health data
    expect(agenda.text).toContain('12:00 — Ефим Клиентова, Стрижка (2000 ₽)');
    expect(agenda.text?.match(/Аллергии/g)).toHaveLength(1); // Efim did not
    expect((await irina.nextReply()).text).toBe('На четверг 10 декабря визитов нет.');

    // Too early: the visit has not begun.
    expect(await olga.clickForAnswer('✅ 10:00 готово')).toMatchObject({
      text: 'Визит ещё не начался: отметьте его после начала.',
    });

    h.now = at('2026-12-10T11:05');
    // Irina presses Olga's button (a forwarded or forged one): refused, nothing changes.
    irina.click('✅ 10:00 готово', { message: agenda });
    expect((await irina.nextReply()).text).toBe('Это не ваш визит.');
    olga.click('✅ 10:00 готово');
    const ask = await olga.nextReply();
    expect(ask.text).toBe(
      'чт 10 декабря, 10:00, Стрижка\nЦена 2000 ₽, скидка 5% — к оплате 1900 ₽.\nПодтвердите оплаченную сумму:',
    );
    olga.click('✏️ Другая сумма');
    expect((await olga.nextReply()).text).toMatch(/^Сколько заплатил клиент/);
    for (const bad of ['abc', '-5', '', '99999999999', '1.999', '<b>1</b>']) {
      olga.send(bad || ' ');
      expect((await olga.nextReply()).text).toBe(
        'Пришлите сумму числом, например 1500 или 1499,50.',
      );
    }
    // The visit's button pressed again meanwhile: the amount question ends, the press is handled.
    olga.click('✅ 10:00 готово');
    expect((await olga.nextReply()).text).toBe(ask.text);
    olga.click('✏️ Другая сумма');
    expect((await olga.nextReply()).text).toMatch(/^Сколько заплатил клиент/);
    olga.send('1 850,50');
    expect((await olga.nextReply()).text).toBe('Отмечено: оплачено 1850.50 ₽. Спасибо!');
    const done = await h.services.visits.get(visit.id);
    expect(done).toMatchObject({ status: 'done', amountPaid: '1850.50', discountPct: 5 });
    olga.click('✅ 10:00 готово');
    expect((await olga.nextReply()).text).toBe('Этот визит уже закрыт.');

    h.now = at('2026-12-10T13:30');
    olga.click('🚫 12:00 не пришёл');
    expect((await olga.nextReply()).text).toBe('Отмечено: клиент не пришёл.');
    expect((await h.services.visits.get(missed.id))?.status).toBe('no_show');

    // The client is asked for a rating, rates 1, comments; the manager hears both.
    await dispatcher.runOnce();
    const rate = await user.nextReply();
    expect(rate.text).toBe('Как прошёл визит — Стрижка, мастер Ольга? Оцените от 1 до 5.');
    user.click(`rate:${visit.id}:1`);
    expect((await user.nextReply()).text).toMatch(/^Жаль, что не всё было хорошо/);
    user.send(' ');
    expect((await user.nextReply()).text).toMatch(/^Комментарий пустой/);
    user.send('я'.repeat(1001));
    expect((await user.nextReply()).text).toMatch(
      /^Здесь 1\s001 символов, а можно не больше 1\s000\./,
    );
    user.send('Долго ждала, мастер опоздал <script>alert(1)</script>');
    expect((await user.nextReply()).text).toBe('Спасибо!');
    await dispatcher.runOnce();
    const alerts = await boss.replies(2);
    expect(alerts[0]?.text).toBe(
      '⚠️ Низкая оценка 1/5\nКлиент: Дарья Клиентова, +79160000006\nСтрижка, мастер Ольга, чт 10 декабря, 10:00',
    );
    expect(alerts[1]?.text).toContain('Долго ждала, мастер опоздал <script>alert(1)</script>');
    expect(await h.services.visits.feedbackOf(visit.id)).toEqual({
      score: 1,
      comment: 'Долго ждала, мастер опоздал <script>alert(1)</script>',
    });
    const raw = await h.t.db
      .selectFrom('visit_feedback')
      .select('comment_enc')
      .where('appointment_id', '=', visit.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(raw.comment_enc ?? []).toString('utf8')).not.toContain('Долго');
    // A forged rating for a visit that is not the client's.
    noHealth.click(`rate:${visit.id}:5`, { message: rate });
    expect((await noHealth.nextReply()).text).toBe('Визит не найден.');
  });

  it('reminds once at 24 h and 2 h across job runs, with Confirm; none for cancelled visits', async () => {
    h.now = at('2026-12-14T09:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Жанна' });
    const c = await client(h, user, '+79160000008');
    const visit = await h.services.booking.book(
      {
        clientId: c.id,
        serviceId: ids.nails,
        masterId: ids.irina,
        startsAt: at('2026-12-16T12:00'),
        channel: 'bot',
      },
      { type: 'client', id: c.id },
      h.now,
    );
    const cancelled = await h.services.booking.book(
      {
        clientId: c.id,
        serviceId: ids.nails,
        masterId: ids.irina,
        startsAt: at('2026-12-16T15:00'),
        channel: 'bot',
      },
      { type: 'client', id: c.id },
      h.now,
    );
    await h.services.visits.cancelByClient(c.id, cancelled.id, h.now);
    const jobs = startJobs({
      db: h.t.db,
      logger: silentLogger,
      jobs: [remindersJob(h.services.visits, () => h.now ?? new Date())],
    });
    try {
      h.now = at('2026-12-15T11:00'); // 25 h before: nothing yet
      expect(await jobs.runNow('reminders', h.now)).toBe('ran');
      await dispatcher.runOnce();
      user.expectNoReplyYet(); // the dispatcher's run was awaited

      h.now = at('2026-12-15T12:03');
      await jobs.runNow('reminders', at('2026-12-15T12:00'));
      h.now = at('2026-12-15T12:07');
      await jobs.runNow('reminders', at('2026-12-15T12:05'));
      await dispatcher.runOnce();
      const first = await user.nextReply();
      expect(first.text).toBe(
        'Напоминание: Маникюр, мастер Ирина, ср 16 декабря, 12:00. Адрес: Тверская, 1. Вы придёте?',
      );
      expect(buttons(first).flat()).toEqual(['✅ Приду', 'Отменить визит']);
      user.expectNoReplyYet(); // the dispatcher's run was awaited
      user.click('✅ Приду');
      expect((await user.nextReply()).text).toBe('Спасибо! Ждём вас ср 16 декабря, 12:00.');
      // The reminder's Cancel asks first; keeping the visit changes nothing.
      user.click('Отменить визит', { message: first });
      expect((await user.nextReply()).text).toBe('Отменить визит ср 16 декабря, 12:00, Маникюр?');
      user.click('Нет, оставить');
      expect((await user.nextReply()).text).toBe('Хорошо, визит остаётся.');
      expect((await h.services.visits.get(visit.id))?.status).toBe('confirmed');

      h.now = at('2026-12-16T10:01');
      await jobs.runNow('reminders', at('2026-12-16T10:00'));
      await jobs.runNow('reminders', at('2026-12-16T10:05'));
      await dispatcher.runOnce();
      const second = await user.nextReply();
      // Two hours before is past the cut-off: no Cancel button, a number to call instead.
      expect(second.text).toMatch(
        /Если не сможете прийти, позвоните, пожалуйста: \+7 495 000-00-00\.$/,
      );
      expect(buttons(second).flat()).toEqual(['✅ Приду']);
      user.expectNoReplyYet(); // the dispatcher's run was awaited
      const reminders = await h.t.db
        .selectFrom('outbox')
        .select('dedupe_key')
        .where('kind', '=', 'reminder')
        .where('client_id', '=', c.id)
        .execute();
      expect(reminders.map((r) => r.dedupe_key).sort()).toEqual([
        expect.stringMatching(new RegExp(`^reminder:${visit.id}:\\d+:2$`)),
        expect.stringMatching(new RegExp(`^reminder:${visit.id}:\\d+:24$`)),
      ]);
    } finally {
      await jobs.stop();
    }
  });

  it('a booking made 3 hours ahead gets only the 2-hour reminder; settings change the offsets', async () => {
    await setSetting(h.t.db, 'reminders.offsets_hours', [3, 1]);
    h.now = at('2026-12-17T09:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Зоя' });
    const c = await client(h, user, '+79160000009');
    await h.services.booking.book(
      {
        clientId: c.id,
        serviceId: ids.nails,
        masterId: ids.irina,
        startsAt: at('2026-12-17T11:00'),
        channel: 'bot',
      },
      { type: 'client', id: c.id },
      h.now,
    );
    expect(await h.services.visits.queueReminders(at('2026-12-17T09:30'))).toBe(0);
    expect(await h.services.visits.queueReminders(at('2026-12-17T10:00'))).toBe(1);
    expect(await h.services.visits.queueReminders(at('2026-12-17T10:30'))).toBe(0);
    await setSetting(h.t.db, 'reminders.offsets_hours', [24, 2]);
  });
});

describe('bot: booking on a daylight-saving day', () => {
  const h = new BotHarness();
  beforeAll(async () => {
    await h.setUp();
    await seedSalon(h, 'Europe/Berlin');
  });
  afterAll(() => h.tearDown());

  it('shows and files the local time of a visit on the day clocks go forward', async () => {
    const zoned = zonedAt('Europe/Berlin');
    h.now = zoned('2027-03-20T09:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Ида' });
    await client(h, user, '+79160000010');
    const walk = await bookVisit(user, {
      category: 'Волосы',
      service: /^Стрижка/,
      master: 'Ольга',
      day: '2027-03-28',
      time: '10:00',
    });
    expect(walk.times.text).toBe('Свободное время, воскресенье 28 марта:');
    expect(buttons(walk.times).flat()[0]).toBe('10:00');
    expect(walk.confirm.text).toContain('Когда: вс 28 марта, 10:00');
    expect(walk.done?.text).toMatch(/вс 28 марта, 10:00/);
    const ics = walk.ics?.document?.bytes.toString('utf8') ?? '';
    expect(ics).toContain('DTSTART:20270328T080000Z'); // 10:00 CEST = 08:00 UTC
  });

  it('asks for the salon when there are two, and a restart mid-booking resumes where the client was', async () => {
    const zoned = zonedAt('Europe/Berlin');
    h.now = zoned('2027-04-05T09:00');
    await seedSalonCatalogue(h.services, {
      zone: 'Europe/Berlin',
      branch: { name: 'Север' },
      services: [
        { name: 'Брови', category: 'Брови', durationMin: 30, price: 900, branchOnly: true },
      ],
      masters: [{ name: 'Полина' }],
      hours: { start: '12:00', end: '14:00', weekdays: [2] },
    });
    const user = h.fake.user({ language_code: 'ru', first_name: 'Кира' });
    await client(h, user, '+79160000011');
    user.send('📅 Записаться');
    const salons = await user.nextReply();
    expect(salons.text).toBe('В какой салон?');
    expect(buttons(salons).flat()).toEqual(['Север', 'Центр', 'Отмена']);
    user.click('Север');
    // One service and one master there: straight to the calendar, Back to the salons.
    const first = await user.nextReply();
    expect(first.text).toMatch(/Выберите день/);
    expect(buttons(first).flat()).toContain('← Назад');
    expect(buttons(first).flat()).not.toContain('Любой мастер');

    await h.stopBot();
    await h.startBot();
    user.click('← Назад');
    expect((await user.nextReply()).text).toBe('В какой салон?');
    user.click('Север');
    const calendar = await user.nextReply();
    // Polina works Tuesdays only: 6 April is the first.
    expect(calendar.reply_markup?.inline_keyboard?.flat()[0]?.callback_data).toBe(
      'bk:d:2027-04-06',
    );
    user.click('Отмена');
    expect((await user.nextReply()).text).toBe(
      'Запись отменена. Начать заново — кнопка 📅 Записаться.',
    );
  });
});
