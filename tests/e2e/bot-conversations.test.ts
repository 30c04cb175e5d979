import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../../src/bot/create-bot.js';
import { createWebhookPlugin, webhookPath } from '../../src/bot/webhook.js';
import { ClientMessages } from '../../src/domain/messages/client-messages.js';
import { buttons } from '../helpers/fake-bot-api.js';
import { silentLogger } from '../helpers/fixtures.js';
import { BotHarness } from './bot-harness.js';

describe('bot: conversations', () => {
  const h = new BotHarness();
  beforeAll(() => h.setUp());
  afterAll(() => h.tearDown());

  it('takes feedback, refusing empty, huge and non-text input, and stores it encrypted', async () => {
    const user = h.fake.user({ language_code: 'en' });
    user.send('/feedback');
    expect((await user.nextReply()).text).toMatch(/^Write what you would like/);
    user.sendSticker();
    expect((await user.nextReply()).text).toMatch(/only understand text/);
    user.send('    ');
    expect((await user.nextReply()).text).toMatch(/empty/);
    user.send('x'.repeat(1001));
    expect((await user.nextReply()).text).toMatch(
      /^Too long: 1,001 characters, the limit is 1,000/,
    );
    user.send('The coffee machine was broken, allergic to latex');
    const confirm = await user.nextReply();
    expect(buttons(confirm)).toEqual([['Yes, send', 'No']]);
    user.send('yes');
    expect((await user.nextReply()).text).toBe('Send this message?');
    user.click('Yes, send');
    expect((await user.nextReply()).text).toBe('Thank you! We will read it.');
    const messages = await new ClientMessages(h.t.db, h.crypto).latest();
    expect(messages.map((m) => m.body)).toContain(
      'The coffee machine was broken, allergic to latex',
    );
    const raw = await h.t.db.selectFrom('client_messages').selectAll().execute();
    expect(Buffer.concat(raw.map((r) => Buffer.from(r.body_enc))).toString('latin1')).not.toContain(
      'latex',
    );
  });

  it('leaves on /cancel and on No; other commands leave and are handled', async () => {
    const user = h.fake.user({ language_code: 'ru' });
    user.send('/feedback');
    await user.nextReply();
    user.send('/cancel');
    expect((await user.nextReply()).text).toBe('Хорошо, отменено.');
    user.send('/feedback');
    await user.nextReply();
    user.send('/help');
    expect((await user.nextReply()).text).toMatch(/Что я умею/);
    user.send('/feedback');
    await user.nextReply();
    user.send('Текст');
    await user.nextReply();
    user.click('Нет');
    expect((await user.nextReply()).text).toBe('Хорошо, отменено.');
  });

  it('resumes a conversation after a restart, keeping its state encrypted', async () => {
    const user = h.fake.user({ language_code: 'en' });
    user.send('/feedback');
    await user.nextReply();
    user.send('Secret allergy: peanuts and lidocaine');
    await user.nextReply();
    const rows = await h.t.db.selectFrom('conversation_state').selectAll().execute();
    const dump = Buffer.concat(rows.map((r) => Buffer.from(r.value_enc))).toString('latin1');
    expect(dump).not.toContain('peanuts');
    expect(rows.some((r) => r.key === `chat:${user.id}:conversations`)).toBe(true);

    await h.stopBot();
    await h.startBot();
    user.click('Yes, send');
    expect((await user.nextReply()).text).toBe('Thank you! We will read it.');
  });

  it('recovers a chat after a reply inside a conversation fails (grammyjs/conversations#155)', async () => {
    const user = h.fake.user({ language_code: 'en' });
    h.fake.failNext('sendMessage', { error_code: 400, description: 'Bad Request: chat not found' });
    user.send('/feedback');
    expect((await user.nextReply()).text).toBe(
      'Something went wrong. Please try again a little later.',
    );
    user.send('/start');
    expect((await user.nextReply()).text).toMatch(/^Hello!/);
  });

  it('waits for an update in progress when stopping', async () => {
    const user = h.fake.user({ language_code: 'en' });
    h.fake.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    user.send('/help');
    // The first send is refused with 429; auto-retry waits a second while we stop the bot.
    await expect
      .poll(() => h.fake.callsOf('sendMessage').some((c) => c.params.chat_id === user.id))
      .toBe(true);
    await h.stopBot();
    expect((await user.nextReply({ timeoutMs: 50 })).text).toMatch(/What I can do/);
    await h.startBot();
  });
});

describe('bot: webhook', () => {
  const h = new BotHarness();
  beforeAll(async () => {
    await h.setUp();
    await h.stopBot();
  });
  afterAll(() => h.tearDown());

  it('processes updates with the secret token and refuses others with 401', async () => {
    const clientele = createBot({
      chatLocks: h.chatLocks,
      token: h.fake.token,
      apiRoot: h.fake.apiRoot,
      botInfo: h.fake.botInfo,
      db: h.t.db,
      crypto: h.crypto,
      ...h.services,
      logger: silentLogger,
    });
    const path = webhookPath(h.crypto, h.fake.token);
    expect(path).not.toContain(h.fake.token.split(':')[1]);
    const secret = 'a-very-secret-token_123';
    const app = Fastify();
    await app.register(
      createWebhookPlugin({ clientele, path, secret, crypto: h.crypto, logger: silentLogger }),
    );
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const user = h.fake.user({ language_code: 'en' });
      h.fake.deliverTo(`${address}${path}`, 'wrong-secret-token-123');
      user.send('/help');
      await expect.poll(() => h.fake.lastWebhookStatus).toBe(401);
      // Refused at the door, the update never reaches the bot: no event marks that, so a wait.
      await user.expectNoReply(200);
      h.fake.deliverTo(`${address}${path}`);
      h.fake.lastWebhookStatus = undefined;
      user.send('/help');
      await expect.poll(() => h.fake.lastWebhookStatus).toBe(401);
      h.fake.deliverTo(`${address}${path}`, secret);
      h.fake.lastWebhookStatus = undefined;
      user.send('/help');
      expect((await user.nextReply()).text).toMatch(/What I can do/);
      await expect.poll(() => h.fake.lastWebhookStatus).toBe(200);
    } finally {
      await app.close();
    }
  });
});
