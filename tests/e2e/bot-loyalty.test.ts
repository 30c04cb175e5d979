import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import { buttons, type FakeUser } from '../helpers/fake-bot-api.js';
import { BotHarness, bookVisit } from './bot-harness.js';
import { at, client, seedSalon } from './salon-fixture.js';

describe('bot: discounts, coupons and points', () => {
  const h = new BotHarness();
  let ids: Awaited<ReturnType<typeof seedSalon>>;
  let dispatcher: ReturnType<typeof startDispatcher>;
  let olga: FakeUser;
  beforeAll(async () => {
    await h.setUp();
    ids = await seedSalon(h);
    dispatcher = h.dispatcher();
    olga = h.fake.user({ id: 9100001, language_code: 'ru', first_name: 'Ольга' });
  });
  afterAll(() => h.tearDown());
  /** Sends what the outbox holds and skips what the master has not read (new-visit notices). */
  const drainOlga = async () => {
    await dispatcher.runOnce();
    for (;;) {
      try {
        await olga.nextReply({ timeoutMs: 30 });
      } catch {
        return;
      }
    }
  };

  /** The master presses Done on a visit (as from the agenda's button). */
  const pressDone = (data: string) =>
    olga.click('done', {
      message: {
        message_id: 1,
        chat_id: olga.id,
        method: 'sendMessage',
        edited: false,
        reply_markup: { inline_keyboard: [[{ text: 'done', callback_data: data }]] },
      },
    });

  /** Books a haircut with Olga at a time on 2 December and returns the confirmation text. */
  const confirmation = async (user: FakeUser, time: string) =>
    (
      await bookVisit(
        user,
        { category: 'Волосы', service: /^Стрижка/, master: 'Ольга', day: '2026-12-02', time },
        { confirm: false },
      )
    ).confirm;

  it("a friend's paid visit raises the referrer's discount, the next booking shows it, and the master charges it", async () => {
    h.now = at('2026-11-30T09:00');
    const lena = h.fake.user({ language_code: 'ru', first_name: 'Лена' });
    const friend = h.fake.user({ language_code: 'ru', first_name: 'Маша' });
    const referrer = await client(h, lena, '+79160000101');
    const friendClient = await client(h, friend, '+79160000102');
    await h.t.db
      .transaction()
      .execute((tx) => h.services.referrals.attribute(tx, friendClient.id, referrer.referralCode));

    const before = await confirmation(lena, '10:00');
    expect(before.text).toContain('Цена: 2000 ₽');
    expect(before.text).not.toContain('Ваша скидка'); // none yet: no "0 %"
    expect(before.text).not.toContain('К оплате');
    lena.click('Отмена');
    await lena.nextReply();

    // The friend's visit, done and paid.
    const visit = await h.services.booking.book(
      {
        clientId: friendClient.id,
        serviceId: ids.haircut,
        masterId: ids.olga,
        startsAt: at('2026-11-30T10:00'),
        channel: 'bot',
      },
      { type: 'client', id: friendClient.id },
      h.now,
    );
    h.now = at('2026-11-30T11:30');
    await drainOlga();
    pressDone(`mv:done:${visit.id}`);
    const ask = await olga.nextReply();
    expect(ask.text).toContain('к оплате 2000 ₽');
    olga.click('✅ Оплачено 2000 ₽');
    expect((await olga.nextReply()).text).toBe('Отмечено: оплачено 2000 ₽. Спасибо!');
    await dispatcher.runOnce();
    const [joined, qualified] = await lena.replies(2);
    expect(joined?.text).toMatch(/^По вашей ссылке зарегистрировался/);
    expect(qualified?.text).toMatch(/скидка теперь 5%/);

    const after = await confirmation(lena, '12:00');
    expect(after.text).toContain('Ваша скидка: 5%');
    expect(after.text).toContain('К оплате: 1900 ₽');
    lena.click('✅ Записаться');
    await lena.replies(2); // booked, .ics
    // The master sees exactly the promised amount at completion.
    h.now = at('2026-12-02T13:00');
    const lenaVisit = await h.t.db
      .selectFrom('appointments')
      .select('id')
      .where('client_id', '=', referrer.id)
      .executeTakeFirstOrThrow();
    await drainOlga();
    pressDone(`mv:done:${lenaVisit.id}`);
    const lenaAsk = await olga.nextReply();
    expect(lenaAsk.text).toContain('скидка 5% — к оплате 1900 ₽');

    // "Discount and friends" shows the standing, rules and the friend.
    lena.send('🎁 Скидка и друзья');
    const standing = await lena.nextReply();
    expect(standing.text).toContain('Ваша скидка: 5%.');
    expect(standing.text).toContain('Друзей пришло: 1, ждут первого визита: 0.');
    expect(standing.text).toContain('1 → 5%, 3 → 10%, 5 → 15%');
    expect(standing.text).toContain('Уровень Bronze: 0%');
    await lena.nextReply(); // QR code
  });

  it('a coupon shows at booking, and points can pay part of the bill', async () => {
    h.now = at('2026-11-30T09:00');
    const nina = h.fake.user({ language_code: 'ru', first_name: 'Нина' });
    const c = await client(h, nina, '+79160000103');
    const coupon = await h.services.loyalty.issueCoupon(h.t.db, {
      clientId: c.id,
      kind: 'birthday',
      percent: 10,
      validFrom: at('2026-11-01T00:00'),
      validUntil: at('2026-12-15T00:00'),
    });
    await h.t.db
      .insertInto('points_ledger')
      .values({ client_id: c.id, delta: 500, reason: 'adjust' })
      .execute();
    const confirm = await confirmation(nina, '15:00');
    expect(confirm.text).toContain(`Ваша скидка: 10% (с купоном ${coupon.code}, 10%)`);
    expect(confirm.text).toContain('К оплате: 1800 ₽');
    nina.click('✅ Записаться');
    await nina.replies(2);
    nina.send('🎁 Скидка и друзья');
    const standing = await nina.nextReply();
    expect(standing.text).toContain('Баллы: 500');
    expect(standing.text).not.toContain(coupon.code); // held by the booking
    await nina.nextReply();

    h.now = at('2026-12-02T16:30');
    const visit = await h.t.db
      .selectFrom('appointments')
      .select('id')
      .where('client_id', '=', c.id)
      .executeTakeFirstOrThrow();
    await drainOlga();
    pressDone(`mv:done:${visit.id}`);
    const ask = await olga.nextReply();
    expect(buttons(ask).flat(), JSON.stringify(ask)).toContain('🎁 360 баллами, 1440 ₽ деньгами');
    olga.click('🎁 360 баллами, 1440 ₽ деньгами');
    expect((await olga.nextReply()).text).toBe('Отмечено: оплачено 1440 ₽ и 360 баллов. Спасибо!');
    expect(await h.services.loyalty.pointsBalance(c.id)).toBe(500 - 360 + 43);
  });
});
