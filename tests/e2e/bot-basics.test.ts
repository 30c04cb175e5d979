import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttons } from '../helpers/fake-bot-api.js';
import { BotHarness } from './bot-harness.js';

describe('bot: start, help, language', () => {
  const h = new BotHarness();
  beforeAll(() => h.setUp());
  afterAll(() => h.tearDown());

  it('greets a newcomer in Russian', async () => {
    const user = h.fake.user({ language_code: 'ru', first_name: 'Оля' });
    user.send('/start');
    expect((await user.nextReply()).text).toMatch(/^Здравствуйте! Я бот салона/);
  });

  it('greets in English for English and for other languages', async () => {
    for (const language_code of ['en', 'de', undefined]) {
      const user = h.fake.user(language_code ? { language_code } : {});
      user.send('/start');
      expect((await user.nextReply()).text).toMatch(/^Hello! I am the salon's bot/);
    }
  });

  it('greets a registered client by name in the stored language', async () => {
    const user = h.fake.user({ language_code: 'ru' });
    await h.clients.create(
      { name: 'Anna Smith', locale: 'en', telegramUserId: user.id },
      { type: 'system', id: null },
    );
    user.send('/start');
    expect((await user.nextReply()).text).toBe('Welcome back, Anna Smith!');
  });

  it('treats deep-link payloads as untrusted', async () => {
    const user = h.fake.user({ language_code: 'en' });
    for (const payload of ['../../etc/passwd', 'x'.repeat(65), '💥', "'; drop table clients;--"]) {
      user.send(`/start ${payload}`);
      expect((await user.nextReply()).text).toMatch(/That link did not work/);
      expect((await user.nextReply()).text).toMatch(/^Hello!/);
      expect((await user.nextReply()).text).toMatch(/^Consent to the processing/);
    }
    user.send('/start ref_abc-DEF_123');
    expect((await user.nextReply()).text).toMatch(/^Hello!/);
    expect((await user.nextReply()).text).toMatch(/^Consent to the processing/);
  });

  it('shows help with a language button and switches language, kept across a restart', async () => {
    const user = h.fake.user({ language_code: 'ru' });
    user.send('/help');
    const help = await user.nextReply();
    expect(help.text).toMatch(/Что я умею/);
    expect(buttons(help)).toEqual([['Язык / Language']]);
    user.click('Язык / Language');
    const menu = await user.nextReply();
    expect(buttons(menu)).toEqual([['Русский', 'English']]);
    user.click('English');
    expect((await user.nextReply()).text).toBe('Done: I speak English now.');
    expect(user.callbackAnswers.length).toBeGreaterThanOrEqual(2);

    await h.stopBot();
    await h.startBot();
    user.send('/start');
    expect((await user.nextReply()).text).toMatch(/^Hello!/);
    const row = await h.t.db.selectFrom('conversation_state').select('value_enc').execute();
    expect(JSON.stringify(row)).not.toContain('"en"');
  });

  it('answers unknown text and stale buttons', async () => {
    const user = h.fake.user({ language_code: 'en' });
    user.send('what is this');
    expect((await user.nextReply()).text).toBe('I did not understand that. See /help.');
    user.send('/start');
    await user.nextReply();
    h.fake.enqueue({
      callback_query: {
        id: '999',
        from: { id: user.id, is_bot: false, first_name: 'x' },
        chat_instance: '1',
        message: { message_id: 1, date: 0, chat: { id: user.id, type: 'private' }, text: 'old' },
        data: 'some:old:button',
      },
    });
    await expect
      .poll(() =>
        h.fake.callsOf('answerCallbackQuery').some((c) => c.params.callback_query_id === '999'),
      )
      .toBe(true);
  });

  it('handles an update delivered twice only once', async () => {
    const user = h.fake.user({ language_code: 'en' });
    const id = user.send('/help');
    await user.nextReply();
    h.fake.redeliver(id);
    await user.expectNothingMore();
    const rows = await h.t.db
      .selectFrom('processed_updates')
      .select('update_id')
      .where('update_id', '=', String(id))
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('retries a 429 and still answers', async () => {
    const user = h.fake.user({ language_code: 'en' });
    h.fake.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    user.send('/help');
    expect((await user.nextReply({ timeoutMs: 8000 })).text).toMatch(/What I can do/);
    expect(h.fake.callsOf('sendMessage').length).toBeGreaterThanOrEqual(2);
  });
});
