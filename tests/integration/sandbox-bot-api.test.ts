import { GrammyError, InputFile } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import { type ChatLocks, createChatLocks } from '../../src/bot/chat-lock.js';
import { type ClienteleBot, createBot } from '../../src/bot/create-bot.js';
import { startPolling } from '../../src/bot/polling.js';
import { envToConfig, readEnv } from '../../src/config.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import { rotateKeys } from '../../src/domain/keys/rotate-keys.js';
import { outboxStats } from '../../src/domain/outbox/outbox-stats.js';
import { salonStats } from '../../src/domain/stats/salon-stats.js';
import { createServices, type Services } from '../../src/runtime.js';
import { SANDBOX_ID_MIN } from '../../src/sandbox/persona-ids.js';
import { SandboxChat, SandboxInputError } from '../../src/sandbox/sandbox-chat.js';
import { SandboxEvents } from '../../src/sandbox/sandbox-events.js';
import { appendMessage, takeUpdates } from '../../src/sandbox/sandbox-store.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.js';
import { randomKey, silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { SandboxReader } from '../helpers/sandbox-reader.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

/** Walks a new persona through registration by its buttons and a shared contact. */
async function register(reader: SandboxReader, name: string, phone: string): Promise<void> {
  const chat = reader.chat;
  const id = reader.personaId;
  const press = async (pattern: RegExp, label: string | RegExp) => {
    const m = await reader.until((line) => pattern.test(line.body.text ?? ''));
    await chat.press(id, m.messageId ?? 0, SandboxReader.button(m, label));
  };
  await press(/Consent to the processing/, 'I agree');
  await press(/allergies/, 'No');
  await press(/greetings, discounts/, 'No');
  const ask = await reader.until((m) => /Share your phone number/.test(m.body.text ?? ''));
  const keyboard = ask.body.replyMarkup?.keyboard?.flat() ?? [];
  expect(keyboard).toContainEqual(expect.objectContaining({ request_contact: true }));
  await chat.shareContact(id, phone);
  await reader.until((m) => m.body.text === 'Thank you, got your number.');
  await press(/What should we call you/, new RegExp(name));
  await press(/birthday/, 'Skip');
  const done = await reader.until((m) => new RegExp(`Done, ${name}`).test(m.body.text ?? ''));
  expect(done.body.replyMarkup?.keyboard?.flat().length).toBeGreaterThan(0);
}

describe('the sandbox Bot API with the real bot', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let services: Services;
  let sandbox: Sandbox;
  let clientele: ClienteleBot;
  let chatLocks: ChatLocks;
  let polling: { stop(): Promise<void> };
  let anna: SandboxReader;

  beforeAll(async () => {
    t = await createTestDatabase('sandbox');
    crypto = await testCrypto();
    services = createServices({ db: t.db, crypto, logger: silentLogger });
    sandbox = await startSandbox({ db: t.db, crypto, staff: services.staff, logger: silentLogger });
    // As app.ts does: the production bot, long polling, only the API root and token differ.
    chatLocks = createChatLocks(t.handle.pool);
    clientele = createBot({
      chatLocks,
      token: sandbox.api.token,
      apiRoot: sandbox.api.apiRoot,
      db: t.db,
      crypto,
      ...services,
      logger: silentLogger,
    });
    polling = await startPolling(clientele, silentLogger);
  });

  afterAll(async () => {
    await polling?.stop();
    await chatLocks?.close();
    await sandbox?.close();
    await t?.drop();
  });

  it('starts the bot through getMe and long polling', () => {
    expect(clientele.bot.botInfo.username).toBe('clientele_sandbox_bot');
  });

  it('registers a client persona: /start, buttons, a contact share, a name', async () => {
    const persona = await sandbox.chat.createClient(
      { name: 'Anna', language: 'en', arrival: { kind: 'plain' } },
      SYSTEM,
    );
    expect(persona.id).toBeGreaterThanOrEqual(SANDBOX_ID_MIN);
    anna = new SandboxReader(sandbox.chat, persona.id);
    await register(anna, 'Anna', '+7 916 555-01-02');
    const client = await services.clients.getByTelegramId(persona.id);
    expect(client?.name).toBe('Anna');
    expect(client?.phone).toBe('+79165550102');
  });

  it('keeps what was typed and said encrypted in the database', async () => {
    const rows = await t.db.selectFrom('sandbox_messages').select('body_enc').execute();
    expect(rows.length).toBeGreaterThan(5);
    const all = Buffer.concat(rows.map((r) => Buffer.from(r.body_enc))).toString('latin1');
    expect(all).not.toContain('Anna');
    expect(all).not.toContain('916');
    const persona = await t.db
      .selectFrom('sandbox_personas')
      .select('name_enc')
      .executeTakeFirstOrThrow();
    expect(Buffer.from(persona.name_enc).toString('latin1')).not.toContain('Anna');
  });

  it('sends the card as a photo (a multipart upload), stored and downloadable', async () => {
    await sandbox.chat.send(anna.personaId, '💳 Card');
    const card = await anna.until((m) => m.body.kind === 'photo');
    expect(card.body.caption).toMatch(/card/i);
    const file = await sandbox.chat.file(anna.personaId, card.messageId ?? 0);
    expect(file?.mimeType).toBe('image/png');
    // A PNG's signature: the real image the bot rendered, not a placeholder.
    expect(file?.bytes.subarray(1, 4).toString()).toBe('PNG');
  });

  it('stores a document the bot uploads (.ics) with its name and bytes', async () => {
    const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';
    const sent = await clientele.bot.api.sendDocument(
      anna.personaId,
      new InputFile(Buffer.from(ics), 'visit.ics'),
      { caption: 'Your visit' },
    );
    expect(sent.document?.file_name).toBe('visit.ics');
    const line = await anna.until((m) => m.body.kind === 'document');
    expect(line.body.file).toEqual({
      name: 'visit.ics',
      mimeType: 'text/calendar',
      size: ics.length,
    });
    const file = await sandbox.chat.file(anna.personaId, sent.message_id);
    expect(file?.bytes.toString()).toBe(ics);
  });

  it('edits a message and its keyboard, answers a press with a toast, deletes', async () => {
    const api = clientele.bot.api;
    const sent = await api.sendMessage(anna.personaId, 'Pick one', {
      reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'x:a' }]] },
    });
    await anna.until((m) => m.messageId === sent.message_id);
    await api.editMessageText(anna.personaId, sent.message_id, 'Picked', {
      reply_markup: { inline_keyboard: [[{ text: 'B', callback_data: 'x:b' }]] },
    });
    const edited = await anna.until((m) => m.messageId === sent.message_id && m.edited);
    expect(edited.body.text).toBe('Picked');
    expect(SandboxReader.button(edited, 'B')).toBe('x:b');
    // The old button is gone: pressing it is refused, as Telegram would never send it.
    await expect(sandbox.chat.press(anna.personaId, sent.message_id, 'x:a')).rejects.toThrow(
      SandboxInputError,
    );
    await api.editMessageReplyMarkup(anna.personaId, sent.message_id);
    const bare = await anna.until((m) => m.messageId === sent.message_id);
    expect(bare.body.replyMarkup).toBeUndefined();
    await api.deleteMessage(anna.personaId, sent.message_id);
    const gone = await anna.until((m) => m.messageId === sent.message_id);
    expect(gone.deleted).toBe(true);
    // A press is answered by the bot itself (its unknown-button handler) with a toast.
    await api.sendMessage(anna.personaId, 'Old', {
      reply_markup: { inline_keyboard: [[{ text: 'Stale', callback_data: 'no:such' }]] },
    });
    const old = await anna.until((m) => m.body.text === 'Old');
    await sandbox.chat.press(anna.personaId, old.messageId ?? 0, 'no:such');
    const toast = await anna.until((m) => m.body.kind === 'toast' || m.body.kind === 'text');
    expect(toast.fromBot).toBe(true);
  });

  it('answers Telegram-shaped errors: unknown chat, empty and huge texts, unknown method', async () => {
    const api = clientele.bot.api;
    const real = api.sendMessage(123456789, 'to a real account');
    await expect(real).rejects.toBeInstanceOf(GrammyError);
    await expect(real).rejects.toMatchObject({
      error_code: 400,
      description: 'Bad Request: chat not found',
    });
    await expect(api.sendMessage(anna.personaId, ' ')).rejects.toMatchObject({ error_code: 400 });
    await expect(api.sendMessage(anna.personaId, 'x'.repeat(4097))).rejects.toMatchObject({
      description: 'Bad Request: message is too long',
    });
    const raw = await fetch(`${sandbox.api.apiRoot}/bot${sandbox.api.token}/sendSticker`, {
      method: 'POST',
    });
    expect(raw.status).toBe(404);
    const wrongToken = await fetch(`${sandbox.api.apiRoot}/bot1:nope/getMe`);
    expect(wrongToken.status).toBe(401);
    const badJson = await fetch(`${sandbox.api.apiRoot}/bot${sandbox.api.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"chat_id":',
    });
    expect(badJson.status).toBe(400);
  });

  it('refuses bad input from the web chat with a reason, and stores nothing for it', async () => {
    const before = await t.db
      .selectFrom('sandbox_messages')
      .select(t.db.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
        return 'accepted';
      } catch (err) {
        return err instanceof SandboxInputError ? err.code : String(err);
      }
    };
    expect(await code(sandbox.chat.send(anna.personaId, '   '))).toBe('text');
    expect(await code(sandbox.chat.send(anna.personaId, 'я'.repeat(4097)))).toBe('text');
    expect(await code(sandbox.chat.send(123, 'hi'))).toBe('persona');
    expect(await code(sandbox.chat.shareContact(anna.personaId, '<script>'))).toBe('phone');
    expect(await code(sandbox.chat.press(anna.personaId, 999_999, 'x'))).toBe('button');
    expect(
      await code(
        sandbox.chat.createClient({ name: '', language: 'en', arrival: { kind: 'plain' } }, SYSTEM),
      ),
    ).toBe('name');
    expect(
      await code(
        sandbox.chat.createClient(
          { name: 'A', language: 'de', arrival: { kind: 'plain' } },
          SYSTEM,
        ),
      ),
    ).toBe('language');
    expect(
      await code(
        sandbox.chat.createClient(
          { name: 'A', language: 'en', arrival: { kind: 'ref', code: 'a b' } },
          SYSTEM,
        ),
      ),
    ).toBe('link');
    expect(
      await code(sandbox.chat.createMaster({ staffUserId: 'nope', language: 'en' }, SYSTEM)),
    ).toBe('staff');
    const after = await t.db
      .selectFrom('sandbox_messages')
      .select(t.db.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('links a master persona to a staff account with a link code, as a real master does', async () => {
    const { user } = await services.staff.create(
      {
        email: 'olga@salon.test',
        displayName: 'Olga',
        role: 'master',
        password: 'a long enough password',
      },
      SYSTEM,
    );
    const persona = await sandbox.chat.createMaster(
      { staffUserId: user.id, language: 'en' },
      SYSTEM,
    );
    const olga = new SandboxReader(sandbox.chat, persona.id);
    await olga.until((m) => /Olga/.test(m.body.text ?? ''));
    const linked = await services.staff.getById(user.id);
    expect(linked?.telegramUserId).toBe(persona.id);
  });

  it('a friend arriving by a referral link is linked to the friend who invited', async () => {
    const annaClient = await services.clients.getByTelegramId(anna.personaId);
    const code = (
      await t.db
        .selectFrom('clients')
        .select('referral_code')
        .where('id', '=', annaClient?.id ?? '')
        .executeTakeFirstOrThrow()
    ).referral_code;
    const persona = await sandbox.chat.createClient(
      { name: 'Boris', language: 'en', arrival: { kind: 'ref', code } },
      SYSTEM,
    );
    const first = await t.db
      .selectFrom('sandbox_messages')
      .select('id')
      .where('persona_id', '=', String(persona.id))
      .where('from_bot', '=', false)
      .execute();
    expect(first).toHaveLength(1);
    const boris = new SandboxReader(sandbox.chat, persona.id);
    await register(boris, 'Boris', '+7 916 555-01-03');
    const borisClient = await services.clients.getByTelegramId(persona.id);
    const referral = await t.db
      .selectFrom('referrals')
      .select(['referrer_id', 'status'])
      .where('referred_id', '=', borisClient?.id ?? '')
      .executeTakeFirst();
    expect(referral).toEqual({ referrer_id: annaClient?.id, status: 'pending' });
  });

  it('leaves sandbox clients and their messages out of the salon in numbers and outbox stats', async () => {
    const now = new Date();
    const before = await salonStats(t.db, now);
    const beforeOutbox = await outboxStats(t.db, now);
    await services.clients.create(
      { name: 'Real', phone: '+79160000009', telegramUserId: 4242, locale: 'en' },
      SYSTEM,
    );
    const annaClient = await services.clients.getByTelegramId(anna.personaId);
    await t.db
      .insertInto('outbox')
      .values({
        dedupe_key: 'sandbox-test',
        chat_id: anna.personaId,
        client_id: annaClient?.id ?? null,
        kind: 'test',
        payload_enc: crypto.encryptSystem(
          { table: 'outbox', column: 'payload_enc', rowId: 'sandbox-test' },
          '{}',
        ),
      } as never)
      .execute();
    const after = await salonStats(t.db, now);
    const afterOutbox = await outboxStats(t.db, now);
    // Anna (sandbox) was already registered and is not counted; the real client is.
    expect(before.clients.total).toBe(0);
    expect(after.clients.total).toBe(1);
    expect(after.clients.inTelegram).toBe(1);
    expect(after.outbox.pending).toBe(before.outbox.pending);
    // Boris's referral by Anna exists, but both are sandbox clients.
    expect(after.referrals.pending).toBe(0);
    expect(afterOutbox.byStatus.pending).toBe(beforeOutbox.byStatus.pending);
    const marked = await t.db
      .selectFrom('clients')
      .select(['sandbox'])
      .where('telegram_user_id', '=', String(anna.personaId))
      .executeTakeFirstOrThrow();
    expect(marked.sandbox).toBe(true);
  });

  it('survives a restart: updates keep unique ids and the chat continues', async () => {
    await polling.stop();
    clientele = createBot({
      chatLocks,
      token: sandbox.api.token,
      apiRoot: sandbox.api.apiRoot,
      db: t.db,
      crypto,
      ...services,
      logger: silentLogger,
    });
    polling = await startPolling(clientele, silentLogger);
    await sandbox.chat.send(anna.personaId, '❓ Help');
    const help = await anna.next();
    expect(help.fromBot).toBe(true);
  });
});

describe('key rotation', () => {
  it('re-seals sandbox personas, chats, files and pending updates under the new key', async () => {
    const t = await createTestDatabase('sandboxkeys');
    try {
      const keyA = randomKey();
      const keyB = randomKey();
      const underA = await testCrypto({ masterKey: keyA });
      const servicesA = createServices({ db: t.db, crypto: underA, logger: silentLogger });
      const events = new SandboxEvents();
      const chatA = new SandboxChat(t.db, underA, servicesA.staff, events);
      const persona = await chatA.createClient(
        { name: 'Vera', language: 'ru', arrival: { kind: 'plain' } },
        SYSTEM,
      );
      await appendMessage(t.db, underA, persona.id, {
        fromBot: true,
        body: { kind: 'document', file: { name: 'a.ics', mimeType: 'text/calendar', size: 3 } },
        file: { name: 'a.ics', mimeType: 'text/calendar', bytes: Buffer.from('ics') },
        numbered: true,
      });
      const rotating = await testCrypto({ masterKey: keyB, previousKeys: [keyA] });
      const result = await rotateKeys({ db: t.db, crypto: rotating, logger: silentLogger });
      // Name, the /start line, the file's body and bytes, the pending /start update.
      expect(result.systemRows).toBe(5);
      const onlyB = await testCrypto({ masterKey: keyB });
      const chatB = new SandboxChat(t.db, onlyB, servicesA.staff, events);
      expect((await chatB.persona(persona.id)).name).toBe('Vera');
      const lines = await chatB.chat(persona.id, '0', 0);
      expect(lines.map((l) => l.body.text ?? l.body.file?.name)).toEqual(['/start', 'a.ics']);
      expect((await chatB.file(persona.id, 2))?.bytes.toString()).toBe('ics');
      expect(await takeUpdates(t.db, onlyB, 0, 10)).toHaveLength(1);
    } finally {
      await t.drop();
    }
  });
});

describe('with a real BOT_TOKEN', () => {
  it('has no /sandbox routes and no sandbox link in the panel', async () => {
    const t = await createTestDatabase('sandboxoff');
    const key = randomKey();
    const services = createServices({
      db: t.db,
      crypto: await testCrypto({ masterKey: key }),
      logger: silentLogger,
    });
    const password = 'correct horse battery staple';
    await services.staff.create(
      { email: 'owner@salon.test', displayName: 'Owner', role: 'owner', password, locale: 'en' },
      SYSTEM,
    );
    const config = envToConfig(
      readEnv({
        DATABASE_URL: t.url,
        CLIENTELE_MASTER_KEY: Buffer.from(key).toString('base64'),
        BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
        // The web role only: nothing here may call the real Telegram.
        ROLES: 'web',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      }),
    );
    const app = await startApp({ ...config, http: { ...config.http, port: 0 } }, silentLogger);
    try {
      const url = app.url ?? '';
      expect((await fetch(`${url}/sandbox`, { redirect: 'manual' })).status).toBe(404);
      const login = await fetch(`${url}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
        body: new URLSearchParams({ email: 'owner@salon.test', password }).toString(),
      });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie).toContain('clientele_session=');
      for (const path of ['/admin/sandbox', '/admin/sandbox/api/state', '/admin/sandbox/chat.js']) {
        expect((await fetch(`${url}${path}`, { headers: { cookie } })).status, path).toBe(404);
      }
      const panel = await (await fetch(`${url}/admin`, { headers: { cookie } })).text();
      // The panel's pages are there, the sandbox's is not.
      expect(panel).toContain('"name":"stats"');
      expect(panel).not.toContain('"name":"sandbox"');
      expect(panel).not.toContain('/sandbox');
    } finally {
      await app.stop();
      await t.drop();
    }
  });

  it('turns the sandbox off', () => {
    const env = readEnv({
      BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      CLIENTELE_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
      DATABASE_URL: 'postgres://x@127.0.0.1/x',
    });
    expect(envToConfig(env).sandbox.enabled).toBe(false);
    const none = readEnv({
      CLIENTELE_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
      DATABASE_URL: 'postgres://x@127.0.0.1/x',
    });
    expect(envToConfig(none).sandbox.enabled).toBe(true);
  });
});
