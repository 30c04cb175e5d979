import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { envToConfig, readEnv } from '../../src/config.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { StaffRole } from '../../src/db/schema.js';
import { createServices, type Services } from '../../src/runtime.js';
import { appendMessage } from '../../src/sandbox/sandbox-store.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { randomKey, silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { PASSWORD } from './panel-harness.js';

const run = browserAvailable() ? describe : describe.skip;
/** What the chat page's own script sends: its reads are refused from anywhere else. */
const OWN_PAGE = { 'sec-fetch-site': 'same-origin' };

run('the Telegram sandbox in the browser', () => {
  let t: TestDatabase;
  let services: Services;
  let crypto: Crypto;
  let app: RunningApp;
  let url: string;
  let browser: Browser;
  let page: Page;
  const emails: Partial<Record<StaffRole, string>> = {};

  beforeAll(async () => {
    t = await createTestDatabase('sandboxui');
    const key = randomKey();
    crypto = await testCrypto({ masterKey: key });
    services = createServices({ db: t.db, crypto, logger: silentLogger });
    const addStaff = async (role: StaffRole, branchId?: string) => {
      emails[role] = `${role}@salon.test`;
      await services.staff.create(
        {
          email: `${role}@salon.test`,
          displayName: role === 'master' ? 'Olga' : role,
          role,
          password: PASSWORD,
          locale: 'en',
          ...(branchId ? { branchId } : {}),
        },
        SYSTEM,
      );
    };
    for (const role of ['owner', 'master', 'analyst'] as const) await addStaff(role);
    const olga = await t.db
      .selectFrom('staff_users')
      .select('id')
      .where('email', '=', 'master@salon.test')
      .executeTakeFirstOrThrow();
    const salon = await seedSalon(services, {
      masters: [{ name: 'Olga', staffUserId: olga.id }],
    });
    await addStaff('manager', salon.branch); // a manager always works in a branch
    // The whole product as `npm start` runs it without BOT_TOKEN: panel, bot, jobs, outbox.
    const fromEnv = envToConfig(
      readEnv({
        DATABASE_URL: t.url,
        CLIENTELE_MASTER_KEY: Buffer.from(key).toString('base64'),
        HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'clientele-sandbox-')),
        LOG_LEVEL: 'silent',
      }),
    );
    const config = { ...fromEnv, http: { ...fromEnv.http, port: 0 } };
    expect(config.sandbox.enabled).toBe(true);
    app = await startApp(config, silentLogger);
    url = app.url ?? '';
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await t?.drop();
  }, 90_000);

  const lastBot = () => page.locator('#messages .msg.bot').last();
  const waitBot = (text: string | RegExp) =>
    page.locator('#messages .msg.bot', { hasText: text }).last().waitFor({ timeout: 15_000 });
  /** Runs in the page: the chat's last message is the bot's, after the user's last one. */
  const botAnsweredLast = () => {
    const all = Array.from(document.querySelectorAll('#messages .msg'));
    const mine = all.findLastIndex((m) => m.classList.contains('me'));
    const bots = all.findLastIndex((m) => m.classList.contains('bot'));
    return bots > mine;
  };
  const pressInline = (label: string | RegExp) =>
    lastBot().locator('.inline button', { hasText: label }).first().click();

  it('the owner opens the sandbox from the panel sidebar, links a master persona, registers and books as a client', async () => {
    const context = await browser.newContext({
      locale: 'en',
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    await page.goto(`${url}/admin/login`);
    await page.fill('input[name=email]', emails.owner ?? '');
    await page.fill('input[name=password]', PASSWORD);
    await page.locator('form button').click();
    await page.waitForURL(`${url}/admin`);
    // In AdminJS's sidebar (shown without its menu button at 1600 px), then into its chat.
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.getByRole('link', { name: 'Telegram sandbox' }).first().click();
    await page.waitForURL(`${url}/admin/pages/sandbox`);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('heading', { name: 'Telegram sandbox' }).first().waitFor();

    // The master first: notices go to a master whose Telegram is linked when the visit is made.
    await page.selectOption('#np-kind', 'master');
    await page.selectOption('#np-staff', { label: 'Olga' });
    await page.selectOption('#np-language', 'en');
    await page.locator('#new-persona button[type=submit]').click();
    await waitBot(/your Telegram is now linked/);

    await page.selectOption('#np-kind', 'client');
    await page.fill('#np-name', 'Anna');
    await page.locator('#new-persona button[type=submit]').click();
    await page.locator('.chat-head', { hasText: 'Anna' }).waitFor();
    await waitBot(/Consent to the processing/);
    await pressInline('I agree');
    await waitBot(/allergies/);
    await pressInline(/^No$/);
    await waitBot(/greetings, discounts/);
    await pressInline(/^No$/);
    await waitBot(/Share your phone number/);
    await page.locator('#reply-keyboard button', { hasText: 'Share my number' }).click();
    await page.fill('#contact-form input', '+7 916 555-44-33');
    await page.locator('#contact-form button').click();
    await waitBot(/What should we call you/);
    await pressInline(/Anna/);
    await waitBot(/birthday/);
    await pressInline('Skip');
    await waitBot(/Done, Anna/);
    await screenshot(page, 'sandbox-registered');

    // Hostile text typed into the chat is shown as text and runs nothing.
    const hostile =
      '<img src=x onerror="window.__owned=1"><script>window.__owned=2</script><b>bold?</b>';
    await page.fill('#composer textarea', hostile);
    await page.locator('#composer button').click();
    await page.locator('#messages .msg.me', { hasText: '<script>' }).waitFor();
    expect(await page.locator('#messages .msg.me').last().innerText()).toContain(hostile);
    expect(await page.locator('#messages img[src=x]').count()).toBe(0);
    expect(
      await page.evaluate(() => (window as unknown as { __owned?: number }).__owned),
    ).toBeUndefined();

    await page.locator('#reply-keyboard button', { hasText: 'Card' }).click();
    const photo = page.locator('#messages .msg.bot img').last();
    await photo.waitFor();
    await expect
      .poll(() => photo.evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBeGreaterThan(0);

    // The card's message (with its "I lost my card" button) stays the last one until the
    // booking's first reply arrives: walk only once the bot has answered "Book".
    const mine = await page.locator('#messages .msg.me').count();
    await page.locator('#reply-keyboard button', { hasText: 'Book' }).click();
    // The pressed button shows in the chat once the sandbox has taken it, then the answer.
    await expect
      .poll(() => page.locator('#messages .msg.me').count(), { timeout: 15_000 })
      .toBeGreaterThan(mine);
    await expect.poll(() => page.evaluate(botAnsweredLast), { timeout: 15_000 }).toBe(true);
    // Walk the booking by its buttons, whatever steps a one-service salon shows.
    for (let step = 0; step < 12; step++) {
      const message = lastBot();
      await message.waitFor();
      const text = await message.innerText();
      if (/Booked!/.test(text) || /calendar/.test(text)) break;
      const buttons = message.locator('.inline button');
      const labels = await buttons.allInnerTexts();
      const pick =
        labels.find((l) => /^✅ Book$/.test(l)) ??
        labels.find((l) => /Стрижка/.test(l)) ??
        labels.find((l) => l === 'Olga') ??
        labels.find((l) => /^\d\d:\d\d$/.test(l)) ??
        labels.find((l) => !/Back|Cancel|Earlier|Later|Any master/.test(l));
      expect(
        pick,
        `a button to press in ${JSON.stringify(text)}: ${JSON.stringify(labels)}`,
      ).toBeDefined();
      const count = await page.locator('#messages .msg').count();
      await buttons
        .filter({ hasText: pick ?? '' })
        .first()
        .click();
      await expect
        .poll(() => page.locator('#messages .msg').count(), { timeout: 15_000 })
        .toBeGreaterThan(count);
    }
    await waitBot(/Booked!/);
    const ics = page.locator('#messages a.doc', { hasText: 'visit.ics' });
    await ics.waitFor({ timeout: 15_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), ics.click()]);
    expect(download.suggestedFilename()).toBe('visit.ics');
    const saved = await download.path();
    expect(readFileSync(saved, 'utf8')).toContain('BEGIN:VEVENT');
    await screenshot(page, 'sandbox-booked');

    // A friend arriving by Anna's link, picked from the form's list of sandbox clients.
    await page.selectOption('#np-kind', 'ref');
    await page.fill('#np-name', 'Boris');
    await page.selectOption('#np-friend', { label: 'Anna' });
    await page.locator('#new-persona button[type=submit]').click();
    await page.locator('.chat-head', { hasText: 'Boris' }).waitFor();
    await page.locator('#messages .msg.me', { hasText: /^\/start ref_/ }).waitFor();
    await waitBot(/Consent to the processing/);

    await page.locator('#personas button', { hasText: 'Olga' }).click();
    await waitBot(/New booking: .*Стрижка/);
    await screenshot(page, 'sandbox-master-notice');
  }, 180_000);

  it('the visit is in the panel, and the sandbox client stays out of the numbers', async () => {
    await page.goto(`${url}/admin/resources/Visit`);
    await page.locator('table', { hasText: 'Anna' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'sandbox-visit-in-panel');
    const visits = await t.db.selectFrom('appointments').select('channel').execute();
    expect(visits).toEqual([{ channel: 'bot' }]);
    const clients = await t.db.selectFrom('clients').select('sandbox').execute();
    expect(clients).toEqual([{ sandbox: true }]);
  });

  it("shows the bot's HTML through Telegram's tag whitelist only", async () => {
    const anna = await t.db
      .selectFrom('sandbox_personas')
      .select('telegram_user_id')
      .where('kind', '=', 'client')
      .executeTakeFirstOrThrow();
    const id = Number(anna.telegram_user_id);
    await appendMessage(t.db, crypto, id, {
      fromBot: true,
      body: {
        kind: 'text',
        parseMode: 'HTML',
        text: '<b>Bold</b> <a href="javascript:window.__owned=3">link</a> <img src=x onerror="window.__owned=4"><script>window.__owned=5</script><i>end</i>',
      },
      numbered: true,
    });
    await page.goto(`${url}/admin/pages/sandbox#p=${id}`);
    const line = page.locator('#messages .msg.bot', { hasText: 'Bold' }).last();
    await line.waitFor({ timeout: 15_000 });
    expect(await line.locator('b', { hasText: 'Bold' }).count()).toBe(1);
    expect(await line.locator('i', { hasText: 'end' }).count()).toBe(1);
    expect(await line.locator('a', { hasText: 'link' }).getAttribute('href')).toBeNull();
    expect(await line.locator('img, script').count()).toBe(0);
    await line.locator('a', { hasText: 'link' }).click();
    expect(
      await page.evaluate(() => (window as unknown as { __owned?: number }).__owned),
    ).toBeUndefined();
  });

  it('managers, masters and analysts get 403; a cross-site post is refused; bad input gets a reason', async () => {
    for (const role of ['manager', 'master', 'analyst'] as const) {
      const login = await fetch(`${url}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
        body: new URLSearchParams({ email: emails[role] ?? '', password: PASSWORD }).toString(),
      });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie).toContain('clientele_session=');
      const pageResponse = await fetch(`${url}/admin/sandbox`, {
        headers: { cookie },
        redirect: 'manual',
      });
      expect(pageResponse.status, role).toBe(403);
      const adminPage = await fetch(`${url}/admin/pages/sandbox`, {
        headers: { cookie },
        redirect: 'manual',
      });
      expect(adminPage.status, role).toBe(403);
      const api = await fetch(`${url}/admin/sandbox/api/state`, { headers: { cookie } });
      expect(api.status, role).toBe(403);
      const post = await fetch(`${url}/admin/sandbox/api/personas`, {
        method: 'POST',
        headers: { cookie, origin: url, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'client', name: 'X', language: 'en' }),
      });
      expect(post.status, role).toBe(403);
    }
    const anonymous = await fetch(`${url}/admin/sandbox/api/state`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    const cookies = await page.context().cookies();
    const owner = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    // A read from anywhere but the chat's own page (another site, a pasted address) gets nothing.
    for (const site of ['cross-site', 'same-site', 'none']) {
      const read = await fetch(`${url}/admin/sandbox/api/state`, {
        headers: { cookie: owner, 'sec-fetch-site': site },
      });
      expect(read.status, site).toBe(403);
    }
    const own = await fetch(`${url}/admin/sandbox/api/state`, {
      headers: { cookie: owner, ...OWN_PAGE },
    });
    expect(own.status).toBe(200);
    const forged = await fetch(`${url}/admin/sandbox/api/personas`, {
      method: 'POST',
      headers: {
        cookie: owner,
        origin: 'https://evil.example',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ kind: 'client', name: 'Forged', language: 'en' }),
    });
    expect(forged.status).toBe(403);
    // Bad input through the owner's own API: a reason, never a 500, nothing stored.
    const post = (path: string, body: string) =>
      fetch(`${url}/admin/sandbox/api${path}`, {
        method: 'POST',
        headers: { cookie: owner, origin: url, 'content-type': 'application/json' },
        body,
      });
    const anna = (
      await t.db
        .selectFrom('sandbox_personas')
        .select('telegram_user_id')
        .where('kind', '=', 'client')
        .executeTakeFirstOrThrow()
    ).telegram_user_id;
    const bad: [string, string, number, string | undefined][] = [
      ['/personas', '{"kind":"client","name":"","language":"en"}', 400, 'name'],
      ['/personas', '{"kind":"wizard"}', 400, 'kind'],
      ['/personas', '{"kind":"master","staffUserId":"x","language":"en"}', 400, 'staff'],
      ['/personas', '{"kind":"ref","name":"B","language":"en","code":"<x>"}', 400, 'link'],
      ['/personas', '{not json', 400, undefined],
      ['/personas/abc/send', '{"text":"hi"}', 400, 'persona'],
      [`/personas/${anna}/send`, '{"text":"   "}', 400, 'text'],
      [`/personas/${anna}/send`, JSON.stringify({ text: 'x'.repeat(20_000) }), 413, undefined],
      [`/personas/${anna}/contact`, '{"phone":"call me"}', 400, 'phone'],
      [`/personas/${anna}/press`, '{"messageId":1,"data":"forged:data"}', 400, 'button'],
      [`/personas/${anna}/press`, '{"messageId":"1; drop","data":"x"}', 400, 'button'],
      ['/personas', JSON.stringify({ kind: 'client', name: 'x'.repeat(300) }), 400, 'name'],
      ['/personas', '{"kind":"client","name":{"$gt":""},"language":"en"}', 400, 'name'],
    ];
    const lines = async () =>
      (await t.db.selectFrom('sandbox_messages').select('id').execute()).length;
    const before = await lines();
    for (const [path, body, status, error] of bad) {
      const response = await post(path, body);
      expect(response.status, `${path} ${body.slice(0, 40)}`).toBe(status);
      if (error) expect(await response.json()).toEqual({ error });
    }
    expect(await lines()).toBe(before);
    const badQuery = await fetch(
      `${url}/admin/sandbox/api/personas/${anna}/messages?after=1%20or%201`,
      { headers: { cookie: owner, ...OWN_PAGE } },
    );
    expect(badQuery.status).toBe(400);
    expect(await badQuery.json()).toEqual({ error: 'after' });
    // The chat's long poll waits for news instead of answering "nothing" at once, and wakes on it.
    const newest = (
      await t.db
        .selectFrom('sandbox_messages')
        .select(t.db.fn.max('id').as('id'))
        .executeTakeFirstOrThrow()
    ).id;
    // The poll is seen to start waiting (it found nothing to answer), then news wakes it.
    let answered = false;
    const started = app.sandbox?.events.chatWaitStarted(Number(anna));
    expect(started).toBeDefined();
    const waiting = fetch(
      `${url}/admin/sandbox/api/personas/${anna}/messages?after=${newest}&wait=1`,
      { headers: { cookie: owner, ...OWN_PAGE } },
    ).then(async (r) => {
      answered = true;
      return (await r.json()) as { messages: { text?: string }[] };
    });
    await started;
    expect(answered).toBe(false);
    expect((await post(`/personas/${anna}/send`, '{"text":"are you there?"}')).status).toBe(200);
    const news = await waiting;
    expect(news.messages.map((m) => m.text)).toContain('are you there?');
    expect(
      (
        await fetch(`${url}/admin/sandbox/api/personas/${anna}/files/99999`, {
          headers: { cookie: owner, ...OWN_PAGE },
        })
      ).status,
    ).toBe(404);
    const personas = await t.db.selectFrom('sandbox_personas').select('kind').execute();
    expect(personas).toHaveLength(3);
  });
});
