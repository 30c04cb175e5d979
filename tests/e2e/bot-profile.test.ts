import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentConsents } from '../../src/domain/onboarding/consents.js';
import type { FakeUser } from '../helpers/fake-bot-api.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { BotHarness } from './bot-harness.js';

describe('bot: profile, data rights and staff linking', () => {
  const h = new BotHarness();
  beforeAll(() => h.setUp());
  afterAll(() => h.tearDown());

  async function registered(phone: string): Promise<{ user: FakeUser; id: string }> {
    const user = h.fake.user({ language_code: 'en', first_name: 'Maria' });
    const client = await h.clients.create(
      {
        name: 'Maria Lopez',
        phone,
        birthday: { day: 2, month: 8, year: null },
        allergies: 'latex',
        telegramUserId: user.id,
        locale: 'en',
      },
      SYSTEM,
    );
    return { user, id: client.id };
  }

  it('shows the profile and edits the name and birthday, refusing bad input', async () => {
    const { user, id } = await registered('+79161231001');
    user.send('👤 Profile');
    const profile = await user.nextReply();
    expect(profile.text).toContain('Name: Maria Lopez');
    expect(profile.text).toContain('Phone: +79161231001');
    expect(profile.text).toContain('Birthday: 02.08');
    user.click('Change name');
    await user.nextReply();
    user.send('42');
    expect((await user.nextReply()).text).toMatch(/needs letters/);
    user.send('Maria López-García');
    expect((await user.nextReply()).text).toBe('Saved.');
    user.click('Change birthday', { message: profile });
    await user.nextReply();
    user.send('30.02.1990');
    expect((await user.nextReply()).text).toMatch(/no such date/);
    user.send('01.09.1991');
    expect((await user.nextReply()).text).toBe('Saved.');
    expect(await h.clients.get(id, SYSTEM)).toMatchObject({
      name: 'Maria López-García',
      birthday: { day: 1, month: 9, year: 1991 },
    });
  });

  it('answers an older button as out of date while editing, and Cancel keeps the old value', async () => {
    const { user, id } = await registered('+79161231010');
    user.send('👤 Profile');
    const profile = await user.nextReply();
    user.click('Change name', { message: profile });
    const prompt = await user.nextReply();
    expect(prompt.text).toBe('Type your new name.');
    // The profile's own button, pressed again meanwhile: out of date, and the question stands.
    const stale = await user.clickForAnswer('Change birthday', { message: profile });
    expect(stale).toMatchObject({ text: 'This button is out of date.' });
    const forged = await user.clickForAnswer('forged', {
      message: {
        ...prompt,
        reply_markup: { inline_keyboard: [[{ text: 'forged', callback_data: 'reg:yes' }]] },
      },
    });
    expect(forged).toMatchObject({ text: 'This button is out of date.' });
    user.send('Maria Stale');
    expect((await user.nextReply()).text).toBe('Saved.');
    expect((await h.clients.get(id, SYSTEM))?.name).toBe('Maria Stale');

    user.click('Change birthday', { message: profile });
    const birthday = await user.nextReply();
    user.click('Cancel', { message: birthday });
    expect((await user.nextReply()).text).toBe('All right, cancelled.');
    // The conversation is over: a date typed now is not taken as the birthday.
    user.send('01.01.1990');
    expect((await user.nextReply()).text).toMatch(/did not understand/);
    user.send('👤 Profile');
    const after = await user.nextReply();
    expect(after.text).toContain('Birthday: 02.08');
    expect((await h.clients.get(id, SYSTEM))?.birthday).toEqual({ day: 2, month: 8, year: null });
  });

  it('withdraws and gives marketing consent in one tap each', async () => {
    const { user, id } = await registered('+79161231002');
    await h.t.db.transaction().execute(async (tx) => {
      const { recordConsents } = await import('../../src/domain/onboarding/consents.js');
      await recordConsents(tx, id, [{ purpose: 'marketing', granted: true }], 'telegram');
    });
    user.send('👤 Profile');
    const profile = await user.nextReply();
    expect(profile.text).toContain('Newsletters: on');
    user.click('Unsubscribe from newsletters');
    expect((await user.nextReply()).text).toBe('Done: no more newsletters.');
    expect((await currentConsents(h.t.db, id)).marketing).toBe(false);
    expect((await h.clients.get(id, SYSTEM))?.marketingOptIn).toBe(false);
    user.send('👤 Profile');
    user.click('Subscribe to newsletters', { message: await user.nextReply() });
    expect((await user.nextReply()).text).toBe('Done: we will send greetings and discounts.');
    expect((await currentConsents(h.t.db, id)).marketing).toBe(true);
  });

  it('sends everything stored about the client as a JSON file', async () => {
    const { user, id } = await registered('+79161231003');
    await h.services.messages.submit({
      telegramUserId: user.id,
      clientId: id,
      body: 'please call me back',
    });
    user.send('👤 Profile');
    user.click('My data', { message: await user.nextReply() });
    const file = await user.nextReply();
    expect(file.method).toBe('sendDocument');
    expect(file.document?.file_name).toBe('my-data.json');
    const data = JSON.parse(file.document?.bytes.toString('utf8') ?? '{}');
    expect(data.client).toMatchObject({
      name: 'Maria Lopez',
      phone: '+79161231003',
      birthday: '--08-02',
      allergies: 'latex',
      language: 'en',
    });
    expect(data.messagesToSalon).toEqual([
      expect.objectContaining({ text: 'please call me back' }),
    ]);
    expect(Array.isArray(data.consents) && Array.isArray(data.visits)).toBe(true);
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', id)
      .execute();
    expect(audit.map((a) => a.action)).toContain('export');
  });

  it('erases the client after confirmation, keeps anonymous visits, and lets them register again', async () => {
    const { user, id } = await registered('+79161231004');
    const salon = await seedSalon(h.services, {
      branch: { name: 'Main' },
      services: [{ name: 'Cut', category: 'Hair', durationMin: 60, price: 1000 }],
      masters: [{ name: 'Olga' }],
    });
    await h.t.db
      .insertInto('appointments')
      .values({
        branch_id: salon.branch,
        master_id: salon.masters[0] ?? '',
        service_id: salon.service,
        client_id: id,
        starts_at: new Date('2026-01-10T10:00:00Z'),
        ends_at: new Date('2026-01-10T11:00:00Z'),
        blocked_until: new Date('2026-01-10T11:00:00Z'),
        price: 1000,
        status: 'done',
        amount_paid: 1000,
        channel: 'panel',
      })
      .execute();
    user.send('👤 Profile');
    user.click('Delete my data', { message: await user.nextReply() });
    expect((await user.nextReply()).text).toMatch(/^Delete all your data\?/);
    user.click('No');
    expect((await user.nextReply()).text).toMatch(/cancelled/);
    expect(await h.clients.getByTelegramId(user.id)).not.toBeNull();
    user.send('👤 Profile');
    user.click('Delete my data', { message: await user.nextReply() });
    await user.nextReply();
    user.click('Yes, delete');
    expect((await user.nextReply()).text).toMatch(
      /Your data has been deleted. We kept only anonymous visit statistics/,
    );
    expect(await h.clients.findByPhone('+79161231004')).toEqual([]);
    expect(await h.clients.getByTelegramId(user.id)).toBeNull();
    const row = await h.t.db
      .selectFrom('clients')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.data_key).toHaveLength(0);
    expect([row.name_enc, row.phone_enc, row.birthday_enc, row.allergies_enc]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    const visits = await h.t.db
      .selectFrom('appointments')
      .select(['client_id', 'amount_paid'])
      .where('client_id', '=', id)
      .execute();
    expect(visits).toEqual([{ client_id: id, amount_paid: '1000.00' }]);
    expect(
      await h.t.db
        .selectFrom('conversation_state')
        .selectAll()
        .where('key', 'like', `chat:${user.id}:%`)
        .execute(),
    ).toEqual([]);

    user.send('/start');
    await user.replies(2);
    user.click('I agree');
    await user.nextReply();
    user.click('No');
    await user.nextReply();
    user.click('No');
    await user.nextReply();
    user.shareContact({ phone_number: '79161231004' });
    await user.replies(2);
    user.send('Maria Again');
    await user.nextReply();
    user.click('Skip');
    expect((await user.nextReply()).text).toBe('Done, Maria Again! You are registered.');
    const again = await h.clients.getByTelegramId(user.id);
    expect(again?.id).not.toBe(id);
    expect(again?.allergies).toBeNull();
  });

  it('links a staff member with a one-time code; used, expired and forged codes are refused', async () => {
    await h.services.staff.create(
      {
        email: 'olga@salon.test',
        displayName: 'Olga',
        role: 'master',
        password: 'a long enough password',
      },
      SYSTEM,
    );
    const { code } = await h.services.staff.createLinkCode('olga@salon.test', SYSTEM);
    const olga = h.fake.user({ language_code: 'en' });
    olga.send(`/start staff_${code}`);
    expect((await olga.nextReply()).text).toMatch(/^Olga, your Telegram is now linked/);
    expect((await h.services.staff.getByTelegramId(olga.id))?.email).toBe('olga@salon.test');
    olga.send('/start');
    expect((await olga.nextReply()).text).toMatch(/^Hello, Olga! You are salon staff/);

    const other = h.fake.user({ language_code: 'en' });
    other.send(`/start staff_${code}`);
    expect((await other.nextReply()).text).toMatch(/already been used/);
    expect(await h.services.staff.getByTelegramId(other.id)).toBeNull();

    const { code: old } = await h.services.staff.createLinkCode('olga@salon.test', SYSTEM);
    await h.t.db
      .updateTable('staff_link_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('used_at', 'is', null)
      .execute();
    other.send(`/start staff_${old}`);
    expect((await other.nextReply()).text).toMatch(/expired/);
    other.send('/start staff_ForgedCodeForgedCode');
    expect((await other.nextReply()).text).toMatch(/unknown/);
    await expect(h.services.staff.createLinkCode('nobody@salon.test', SYSTEM)).rejects.toThrow();
    const stored = await h.t.db.selectFrom('staff_link_tokens').select('token_hash').execute();
    expect(stored.map((s) => s.token_hash)).not.toContain(code);
  });

  it('answers menu buttons for people who are not registered by starting registration', async () => {
    const stranger = h.fake.user({ language_code: 'en' });
    stranger.send('👤 Profile');
    expect((await stranger.nextReply()).text).toMatch(/Please register first/);
    stranger.send('🎁 Discount and friends');
    expect((await stranger.nextReply()).text).toMatch(/Please register first/);
  });
});

describe('bot: loyalty card', () => {
  const h = new BotHarness();
  beforeAll(() => h.setUp());
  afterAll(() => h.tearDown());

  it('shows a card with QR and barcode, reissues it free, and the old number stops working', async () => {
    const user = h.fake.user({ language_code: 'en' });
    const client = await h.clients.create(
      { name: 'Card Holder', phone: '+79161232001', telegramUserId: user.id, locale: 'en' },
      SYSTEM,
    );
    user.send('💳 Card');
    const card = await user.nextReply();
    expect(card.method).toBe('sendPhoto');
    const { PNG } = await import('pngjs');
    const image = PNG.sync.read(card.photo?.bytes ?? Buffer.alloc(0));
    expect(image.width).toBeGreaterThan(image.height);
    const number =
      /card: (\d{3} \d{3} \d{4})/.exec(card.caption ?? '')?.[1]?.replaceAll(' ', '') ?? '';
    expect(number).toMatch(/^\d{10}$/);
    expect(await h.services.cards.clientByCard(number)).toBe(client.id);
    user.send('💳 Card');
    expect((await user.nextReply()).caption).toContain(
      card.caption?.match(/\d{3} \d{3} \d{4}/)?.[0] ?? 'x',
    );

    user.click('I lost my card', { message: card });
    const fresh = await user.nextReply();
    const newNumber =
      /new card: (\d{3} \d{3} \d{4})/.exec(fresh.caption ?? '')?.[1]?.replaceAll(' ', '') ?? '';
    expect(newNumber).not.toBe(number);
    expect(await h.services.cards.clientByCard(number)).toBeNull();
    expect(await h.services.cards.clientByCard(newNumber)).toBe(client.id);
    const active = await h.t.db
      .selectFrom('loyalty_cards')
      .select('number')
      .where('client_id', '=', client.id)
      .where('revoked_at', 'is', null)
      .execute();
    expect(active).toHaveLength(1);
    await Promise.all([
      h.services.cards.activeCard(client.id),
      h.services.cards.activeCard(client.id),
    ]);
    expect(
      await h.t.db
        .selectFrom('loyalty_cards')
        .select('number')
        .where('client_id', '=', client.id)
        .where('revoked_at', 'is', null)
        .execute(),
    ).toHaveLength(1);
  });
});
