import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttons } from '../helpers/fake-bot-api.js';
import { seedSalon } from '../helpers/salon.js';
import { BotHarness } from './bot-harness.js';
import { at, client, dayButton, ZONE } from './salon-fixture.js';

/** A salon as a new owner starts it: one branch, one service, one master. */
describe('bot: the booking path on a one-service, one-master salon', () => {
  const h = new BotHarness();
  beforeAll(async () => {
    await h.setUp();
    await seedSalon(h.services, {
      zone: ZONE,
      branch: { name: 'Центр', phone: '+7 495 000-00-00', address: 'Тверская, 1' },
      services: [{ name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 }],
      masters: [
        {
          name: 'Ольга',
          staff: { email: 'olga@polish.test', telegramUserId: 9200001, locale: 'ru' },
          services: [{ service: 0 }],
        },
      ],
      hours: { start: '10:00', end: '19:00' },
    });
  }, 120_000);
  afterAll(() => h.tearDown());

  it('goes straight to the calendar with no Back to nowhere, and shows no 0 % discount', async () => {
    h.now = at('2026-11-30T09:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Анна' });
    await client(h, user, '+79160000101');
    user.send('📅 Записаться');
    const calendar = await user.nextReply();
    expect(calendar.text).toMatch(/Выберите день/);
    // No service or master question came first, and nothing to go Back to.
    expect(buttons(calendar).flat()).not.toContain('← Назад');
    expect(buttons(calendar).flat()).not.toContain('Любой мастер');
    expect(buttons(calendar).flat()).toContain('Отмена');
    user.click(dayButton(calendar, '2026-12-02'));
    const times = await user.nextReply();
    expect(buttons(times).flat()).toContain('← Назад');
    user.click('← Назад');
    const again = await user.nextReply();
    expect(again.text).toMatch(/Выберите день/);
    user.click(dayButton(again, '2026-12-02'));
    await user.nextReply();
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
    const [done] = await user.replies(2);
    expect(done?.text).toMatch(/^Вы записаны! Стрижка, мастер Ольга, ср 2 декабря, 11:00\./);
  }, 120_000);

  it("tells the master who is coming: the client's name, new or returning", async () => {
    h.now = at('2026-11-30T09:00');
    const dispatcher = h.dispatcher();
    const master = h.fake.user({ id: 9200001, language_code: 'ru', first_name: 'Ольга' });
    const user = h.fake.user({ language_code: 'ru', first_name: 'Вера' });
    const me = await client(h, user, '+79160000102');
    await dispatcher.runOnce(); // the first test's booking
    expect((await master.nextReply()).text).toBe(
      'Новая запись: ср 2 декабря, 11:00, Стрижка. Клиент: Анна Клиентова, новый.',
    );
    const book = async (day: string, time: string) => {
      user.send('📅 Записаться');
      const calendar = await user.nextReply();
      user.click(dayButton(calendar, day));
      await user.nextReply();
      user.click(time);
      await user.nextReply();
      user.click('✅ Записаться');
      await user.replies(2);
      await dispatcher.runOnce();
      return (await master.nextReply()).text;
    };
    expect(await book('2026-12-03', '12:00')).toBe(
      'Новая запись: чт 3 декабря, 12:00, Стрижка. Клиент: Вера Клиентова, новый.',
    );
    // That visit took place; the next booking comes from a returning client.
    await h.t.db
      .updateTable('appointments')
      .set({ status: 'done' })
      .where('client_id', '=', me.id)
      .execute();
    const second = await book('2026-12-04', '12:00');
    expect(second).toBe(
      'Новая запись: пт 4 декабря, 12:00, Стрижка. Клиент: Вера Клиентова, постоянный (визитов: 1).',
    );
    // Within what a master may see: the name (as on their agenda), never the phone or notes.
    expect(second).not.toContain('+7916');
    expect(second).not.toContain('стрижки');
    expect(second).not.toContain('латекс');
  }, 120_000);
});
