import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentConsents } from '../../src/domain/onboarding/consents.js';
import { readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { setSetting } from '../../src/domain/settings.js';
import { startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import { type BotMessage, buttons, type FakeUser } from '../helpers/fake-bot-api.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { BotHarness } from './bot-harness.js';

/** Walks a user through registration; `phone` is shared as the user's own contact. */
async function register(
  user: FakeUser,
  options: {
    start?: string;
    phone: string;
    name?: string;
    birthday?: string;
    health?: boolean;
    marketing?: boolean;
    lang: 'ru' | 'en';
  },
): Promise<BotMessage> {
  const t =
    options.lang === 'ru'
      ? { agree: 'Согласен(на)', yes: 'Да', no: 'Нет', skip: 'Пропустить' }
      : { agree: 'I agree', yes: 'Yes', no: 'No', skip: 'Skip' };
  user.send(options.start ?? '/start');
  await user.nextReply(); // greeting
  await user.nextReply(); // consent text
  user.click(t.agree);
  await user.nextReply(); // health question
  user.click(options.health ? t.yes : t.no);
  await user.nextReply(); // marketing question
  user.click(options.marketing ? t.yes : t.no);
  const phoneAsk = await user.nextReply();
  expect(phoneAsk.reply_markup?.keyboard?.[0]?.[0]).toMatchObject({ request_contact: true });
  user.shareContact({ phone_number: options.phone });
  await user.nextReply(); // number received
  await user.nextReply(); // name question
  if (options.name) user.send(options.name);
  else user.click(user.lastMessage?.reply_markup?.inline_keyboard?.[0]?.[0]?.text ?? '');
  await user.nextReply(); // birthday question
  if (options.birthday) user.send(options.birthday);
  else user.click(t.skip);
  return user.nextReply();
}

describe('bot: onboarding', () => {
  const h = new BotHarness();
  beforeAll(() => h.setUp());
  afterAll(() => h.tearDown());

  it('registers a client in Russian with consents recorded, and shows the main menu', async () => {
    const user = h.fake.user({ language_code: 'ru', first_name: 'Анна', last_name: 'Петрова' });
    const done = await register(user, {
      phone: '79161230001',
      birthday: '14.03.1990',
      health: true,
      marketing: false,
      lang: 'ru',
    });
    expect(done.text).toBe('Готово, Анна Петрова! Вы зарегистрированы.');
    expect(done.reply_markup?.keyboard?.flat().map((b) => b.text)).toContain('🎁 Скидка и друзья');
    const client = await h.clients.getByTelegramId(user.id);
    expect(client).toMatchObject({
      name: 'Анна Петрова',
      phone: '+79161230001',
      birthday: { day: 14, month: 3, year: 1990 },
      locale: 'ru',
    });
    expect(await currentConsents(h.t.db, client?.id ?? '')).toEqual({
      personal_data: true,
      health_data: true,
      marketing: false,
    });
    const versions = await h.t.db
      .selectFrom('client_consents')
      .select(['document_version', 'channel'])
      .where('client_id', '=', client?.id ?? '')
      .execute();
    expect(
      versions.every((v) => v.document_version === '2026-11-24' && v.channel === 'telegram'),
    ).toBe(true);
  });

  it('registers in English with a typed name, and refuses bad input at each step', async () => {
    const user = h.fake.user({ language_code: 'en', first_name: 'Bob' });
    user.send('/start');
    await user.replies(2);
    user.send('I agree'); // typed instead of pressing
    expect((await user.nextReply()).text).toMatch(/answer with the buttons/);
    user.click('I agree');
    await user.nextReply();
    user.click('No');
    await user.nextReply();
    user.click('Yes');
    await user.nextReply();
    user.send('+7 916 123 00 02');
    expect((await user.nextReply()).text).toMatch(/Share my number/);
    user.shareContact({ phone_number: '+79161230099', user_id: 424242 });
    expect((await user.nextReply()).text).toMatch(/not your contact/);
    user.shareContact({ phone_number: '+79161230002' });
    await user.replies(2);
    for (const [bad, why] of [
      ['   ', /needs letters/],
      ['12345', /needs letters/],
      ['x'.repeat(101), /too long/],
    ] as const) {
      user.send(bad);
      expect((await user.nextReply()).text).toMatch(why);
    }
    user.sendSticker();
    expect((await user.nextReply()).text).toMatch(/type your name/);
    user.send("Robert'); DROP TABLE clients;--");
    await user.nextReply();
    for (const [bad, why] of [
      ['31.02', /no such date/],
      ['29.02.2023', /no such date/],
      ['01.01.2099', /has not come yet/],
      ['tomorrow', /no such date/],
      ['9'.repeat(5000), /no such date/],
    ] as const) {
      user.send(bad);
      expect((await user.nextReply()).text).toMatch(why);
    }
    user.send('29.02');
    expect((await user.nextReply()).text).toBe(
      "Done, Robert'); DROP TABLE clients;--! You are registered.",
    );
    const client = await h.clients.getByTelegramId(user.id);
    expect(client?.birthday).toEqual({ day: 29, month: 2, year: null });
    expect(client?.marketingOptIn).toBe(true);
  });

  it('goes back a step and cancels', async () => {
    const user = h.fake.user({ language_code: 'en' });
    user.send('/start');
    await user.replies(2);
    user.click('I agree');
    await user.nextReply();
    user.click('Yes');
    await user.nextReply();
    user.click('← Back');
    expect((await user.nextReply()).text).toMatch(/May masters see your allergies/);
    user.click('Cancel');
    expect((await user.nextReply()).text).toMatch(/Registration cancelled/);
    expect(await h.clients.getByTelegramId(user.id)).toBeNull();
    user.send('/start');
    await user.replies(2);
    user.click('I do not agree');
    expect((await user.nextReply()).text).toMatch(/Registration cancelled/);
  });

  it('accepts a typed phone number only where the salon allows it', async () => {
    await setSetting(h.t.db, 'registration.allow_typed_phone', true);
    try {
      const user = h.fake.user({ language_code: 'en', first_name: 'Typist' });
      user.send('/start');
      await user.replies(2);
      user.click('I agree');
      await user.nextReply();
      user.click('No');
      await user.nextReply();
      user.click('No');
      expect((await user.nextReply()).text).toMatch(/or type it/);
      user.send('not a phone at all');
      expect((await user.nextReply()).text).toMatch(/could not read that number/);
      user.send('8 (916) 123-00-60');
      await user.replies(2);
      user.click('Yes, “Typist”');
      await user.nextReply();
      user.click('Skip');
      expect((await user.nextReply()).text).toBe('Done, Typist! You are registered.');
      expect((await h.clients.getByTelegramId(user.id))?.phone).toBe('+79161230060');
    } finally {
      await setSetting(h.t.db, 'registration.allow_typed_phone', false);
    }
  });

  it('resumes registration after a restart of the bot', async () => {
    const user = h.fake.user({ language_code: 'en', first_name: 'Restart' });
    user.send('/start');
    await user.replies(2);
    user.click('I agree');
    await user.nextReply();
    user.click('No');
    await user.nextReply();
    user.click('No');
    await user.nextReply();
    await h.stopBot();
    await h.startBot();
    user.shareContact({ phone_number: '79161230003' });
    await user.replies(2);
    user.send('Restart Person');
    await user.nextReply();
    user.click('Skip');
    expect((await user.nextReply()).text).toBe('Done, Restart Person! You are registered.');
  });

  it('links an existing client by phone instead of duplicating, and never registers twice', async () => {
    const existing = await h.clients.create(
      { name: 'Ольга Импорт', phone: '8 916 123-00-04', notes: 'из старой базы' },
      SYSTEM,
    );
    const count = await h.clients.count();
    const user = h.fake.user({ language_code: 'ru', first_name: 'Оля' });
    const done = await register(user, { phone: '+79161230004', name: 'Оля', lang: 'ru' });
    expect(done.text).toBe(
      'Готово, Ольга Импорт! Мы нашли вас в базе салона и связали с Telegram.',
    );
    expect(await h.clients.count()).toBe(count);
    expect((await h.clients.getByTelegramId(user.id))?.id).toBe(existing.id);
    user.send('/start');
    expect((await user.nextReply()).text).toBe('С возвращением, Ольга Импорт!');

    const impostor = h.fake.user({ language_code: 'ru' });
    const refused = await register(impostor, { phone: '+79161230004', name: 'Чужой', lang: 'ru' });
    expect(refused.text).toMatch(/уже привязан к другому аккаунту/);
  });

  it('attributes a friend through a referral link, tells the referrer, and qualifies after a paid visit', async () => {
    const anna = h.fake.user({ language_code: 'en', first_name: 'Anna' });
    await register(anna, { phone: '79161230010', lang: 'en' });
    const annaClient = await h.clients.getByTelegramId(anna.id);
    anna.send('🎁 Discount and friends');
    expect((await anna.nextReply()).text).toMatch(/Your discount for friends: 0%/);
    const invite = await anna.nextReply();
    expect(invite.method).toBe('sendPhoto');
    expect(invite.photo?.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(invite.caption).toContain(
      `https://t.me/clientele_test_bot?start=ref_${annaClient?.referralCode}`,
    );
    expect(invite.reply_markup?.inline_keyboard?.[0]?.[0]?.url).toMatch(
      /^https:\/\/t\.me\/share\/url\?url=/,
    );

    const friend = h.fake.user({ language_code: 'en', first_name: 'Friend' });
    await register(friend, {
      start: `/start ref_${annaClient?.referralCode}`,
      phone: '79161230011',
      lang: 'en',
    });
    const friendClient = await h.clients.getByTelegramId(friend.id);
    expect(friendClient?.referrerId).toBe(annaClient?.id);
    const joined = await h.t.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `referral-joined:${friendClient?.id}`)
      .executeTakeFirstOrThrow();
    expect(Number(joined.chat_id)).toBe(anna.id);
    expect(readOutboxMessage(h.crypto, joined).text).toMatch(/A friend registered with your link/);

    // The dispatcher delivers the notices to the referrer's chat.
    const dispatcher = startDispatcher({
      db: h.t.db,
      crypto: h.crypto,
      logger: silentLogger,
      token: h.fake.token,
      apiRoot: h.fake.apiRoot,
      loop: false,
      // Telegram's one message a second per chat is the dispatcher's own tests' subject; here
      // the second notice goes out as soon as it is due.
      perChatGapMs: 0,
    });
    await dispatcher.runOnce();
    expect((await anna.nextReply()).text).toMatch(/A friend registered with your link/);
    expect(await h.services.referrals.qualify(friendClient?.id ?? '')).toEqual({
      referrerId: annaClient?.id,
      discountPercent: 5,
    });
    expect(await h.services.referrals.qualify(friendClient?.id ?? '')).toBeNull();
    await dispatcher.runOnce();
    await dispatcher.stop();
    expect((await anna.nextReply()).text).toMatch(/your discount is now 5%/);
    const qualified = await h.t.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `referral-qualified:${friendClient?.id}`)
      .executeTakeFirstOrThrow();
    expect(readOutboxMessage(h.crypto, qualified).text).toMatch(/your discount is now 5%/);
    anna.send('🎁 Discount and friends');
    expect((await anna.nextReply()).text).toMatch(
      /Your discount for friends: 5%.\nFriends who came: 1, waiting for their first visit: 0/,
    );
    await anna.nextReply();
    expect((await h.services.referrals.tree(annaClient?.id ?? '')).map((n) => n.clientId)).toEqual([
      friendClient?.id,
    ]);
  });

  it('learns when a client blocks and unblocks the bot', async () => {
    const user = h.fake.user({ language_code: 'en' });
    const client = await h.clients.create(
      { name: 'Blocky', phone: '+79161230050', telegramUserId: user.id },
      SYSTEM,
    );
    const member = (status: 'kicked' | 'member') =>
      h.fake.enqueue({
        my_chat_member: {
          chat: { id: user.id, type: 'private', first_name: 'Blocky' },
          from: { id: user.id, is_bot: false, first_name: 'Blocky' },
          date: Math.floor(Date.now() / 1000),
          old_chat_member: {
            status: status === 'kicked' ? 'member' : 'kicked',
            user: h.fake.botInfo,
          },
          new_chat_member: {
            status,
            user: h.fake.botInfo,
            ...(status === 'kicked' ? { until_date: 0 } : {}),
          },
        },
      });
    member('kicked');
    await expect
      .poll(async () => (await h.clients.findById(client.id))?.blockedBotAt instanceof Date)
      .toBe(true);
    member('member');
    await expect.poll(async () => (await h.clients.findById(client.id))?.blockedBotAt).toBeNull();
  });

  it('ignores self-referral, unknown codes and links for people already in the base', async () => {
    const self = h.fake.user({ language_code: 'en' });
    await register(self, { phone: '79161230020', lang: 'en' });
    const selfClient = await h.clients.getByTelegramId(self.id);
    // A registered person following their own link is simply greeted back.
    self.send(`/start ref_${selfClient?.referralCode}`);
    expect((await self.nextReply()).text).toMatch(/Welcome back/);
    expect(
      await h.t.db
        .selectFrom('referrals')
        .selectAll()
        .where('referred_id', '=', selfClient?.id ?? '')
        .execute(),
    ).toEqual([]);

    await h.clients.create({ name: 'Known', phone: '+79161230021' }, SYSTEM);
    const known = h.fake.user({ language_code: 'en' });
    await register(known, {
      start: `/start ref_${selfClient?.referralCode}`,
      phone: '79161230021',
      lang: 'en',
    });
    const knownClient = await h.clients.getByTelegramId(known.id);
    expect(knownClient?.referrerId).toBeNull();

    const stranger = h.fake.user({ language_code: 'en' });
    await register(stranger, {
      start: '/start ref_NoSuchCode123',
      phone: '79161230022',
      lang: 'en',
    });
    expect((await h.clients.getByTelegramId(stranger.id))?.referrerId).toBeNull();
  });

  it('refuses a referral cycle in the domain', async () => {
    const a = await h.clients.create({ name: 'Cycle A', phone: '+79161230030' }, SYSTEM);
    const b = await h.t.db.transaction().execute(async (tx) => {
      const c = await h.clients.on(tx).create({ name: 'Cycle B', phone: '+79161230031' }, SYSTEM);
      expect(await h.services.referrals.attribute(tx, c.id, a.referralCode)).toEqual({
        referrerId: a.id,
      });
      return c;
    });
    await h.t.db.transaction().execute(async (tx) => {
      expect(await h.services.referrals.attribute(tx, a.id, b.referralCode)).toEqual({
        ignored: 'cycle',
      });
      expect(await h.services.referrals.attribute(tx, a.id, a.referralCode)).toEqual({
        ignored: 'self',
      });
      expect(await h.services.referrals.attribute(tx, a.id, "'; drop--")).toEqual({
        ignored: 'unknown',
      });
    });
  });

  it('records the channel of a src_ link and offers the source tree otherwise', async () => {
    const online = await h.t.db
      .insertInto('acquisition_sources')
      .values({ name: 'Online' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const insta = await h.t.db
      .insertInto('acquisition_sources')
      .values({ name: 'Instagram', parent_id: online.id, link_code: 'insta_bio' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await h.t.db.insertInto('acquisition_sources').values({ name: 'Walk-in' }).execute();

    const viaLink = h.fake.user({ language_code: 'en' });
    const done = await register(viaLink, {
      start: '/start src_insta_bio',
      phone: '79161230040',
      lang: 'en',
    });
    expect(done.text).toMatch(/You are registered/);
    expect((await h.clients.getByTelegramId(viaLink.id))?.sourceId).toBe(insta.id);

    const asked = h.fake.user({ language_code: 'en' });
    const question = await register(asked, { phone: '79161230041', lang: 'en' });
    expect(question.text).toBe('How did you hear about us?');
    expect(buttons(question).flat()).toEqual(
      expect.arrayContaining(['Online → Instagram', 'Walk-in', 'Skip']),
    );
    asked.click('Online → Instagram');
    expect((await asked.nextReply()).text).toMatch(/You are registered/);
    expect((await h.clients.getByTelegramId(asked.id))?.sourceId).toBe(insta.id);

    const badLink = h.fake.user({ language_code: 'en' });
    badLink.send('/start src_nope');
    expect((await badLink.nextReply()).text).toMatch(/That link did not work/);
  });
});
