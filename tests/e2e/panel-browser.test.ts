import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { addBranch, SYSTEM, seedSalon } from '../helpers/salon.js';
import { PASSWORD, PanelHarness } from './panel-harness.js';

describe.runIf(browserAvailable())('panel in chromium', () => {
  const h = new PanelHarness();
  let browser: Browser;
  let ownerEmail = '';
  const external: string[] = [];

  beforeAll(async () => {
    await h.setUp();
    ownerEmail = await h.addStaff('owner');
    await h.clients.create(
      {
        name: 'Анна Петрова',
        phone: '+7 916 123-45-67',
        allergies: 'латекс',
        birthday: { day: 14, month: 3, year: 1990 },
      },
      SYSTEM,
    );
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h.tearDown();
  });

  async function newPage(locale: string): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith(h.url)) external.push(r.url());
    });
    return page;
  }

  async function logIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${h.url}/admin/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.locator('form button').click();
  }

  it('shows the login page in Russian and in English, without internet fonts', {
    timeout: 60_000,
  }, async () => {
    const ru = await newPage('ru-RU');
    await ru.goto(`${h.url}/admin/login`);
    await expect.poll(() => ru.textContent('body')).toContain('Эл. почта');
    await screenshot(ru, 'login-ru');
    const en = await newPage('en');
    await en.goto(`${h.url}/admin/login`);
    await expect.poll(() => en.textContent('body')).toContain('Password');
    await screenshot(en, 'login-en');
    const html = await (await fetch(`${h.url}/admin/login`)).text();
    expect(html).not.toContain('fonts.googleapis.com');
  });

  it('lets the owner log in after a wrong password, and shows decrypted clients', {
    timeout: 60_000,
  }, async () => {
    const page = await newPage('en');
    await logIn(page, ownerEmail, 'a wrong password');
    await expect.poll(() => page.textContent('body')).toContain('Wrong e-mail or password');
    await logIn(page, ownerEmail, PASSWORD);
    await page.waitForURL(`${h.url}/admin`);
    await page.goto(`${h.url}/admin/resources/Client`);
    await expect.poll(() => page.textContent('body')).toContain('Анна Петрова');
    expect(await page.textContent('body')).toContain('+79161234567');
    await screenshot(page, 'clients-list');

    await page.getByText('Анна Петрова').first().click();
    await expect.poll(() => page.textContent('body')).toContain('латекс');
    expect(await page.textContent('body')).toContain('14.03.1990');
    await screenshot(page, 'client-show');
    // The card, one of the record's actions: number, discount and level, points, consents.
    await page.getByRole('link', { name: 'Card', exact: true }).first().click();
    await page.waitForURL(/\/admin\/resources\/Client\/records\/[^/]+\/card$/);
    const card = page.getByTestId('client-card');
    await expect.poll(() => card.textContent()).toContain('Discount');
    expect(await page.getByTestId('card-loyalty').textContent()).toMatch(/Card number\s*\d{10}/);
    expect(await page.getByTestId('card-loyalty').textContent()).toContain('Bronze');
    expect(await page.getByTestId('card-loyalty').textContent()).toContain('0 %');
    expect(await page.getByTestId('card-consents').textContent()).toContain('Marketingno');
    await screenshot(page, 'client-card');
  });

  it('creates a client through the form, refusing a bad phone on its field, then searches', {
    timeout: 60_000,
  }, async () => {
    const page = await newPage('en');
    await logIn(page, ownerEmail, PASSWORD);
    await page.waitForURL(`${h.url}/admin`);
    await page.goto(`${h.url}/admin/resources/Client/actions/new`);
    await page.fill('input[name=name]', 'Мария Иванова');
    await page.fill('input[name=phone]', '12345');
    await page.locator('button[type=submit]').click();
    await expect.poll(() => page.textContent('body')).toContain('invalid value');
    await screenshot(page, 'client-new-error');
    expect(await h.clients.findByName('Мария')).toHaveLength(0);

    await page.fill('input[name=phone]', '+7 903 555-44-33');
    await page.locator('button[type=submit]').click();
    await expect.poll(async () => (await h.clients.findByName('Мария')).length).toBe(1);
    const [maria] = await h.clients.findByName('Мария Иванова');
    expect(maria?.phone).toBe('+79035554433');

    await page.goto(
      `${h.url}/admin/resources/Client?filters.name=${encodeURIComponent('+7 903 555 44 33')}`,
    );
    await expect.poll(() => page.textContent('body')).toContain('Мария Иванова');
    expect(await page.textContent('body')).not.toContain('Анна Петрова');
    await screenshot(page, 'client-search');
    const views = await h.t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'client')
      .execute();
    expect(views.map((v) => v.action)).toEqual(expect.arrayContaining(['create', 'view']));
  });

  it('makes a one-time password be replaced before anything else', {
    timeout: 60_000,
  }, async () => {
    const branch = await addBranch(h.serverDeps, { name: 'Fresh branch' });
    const { password } = await h.staff.create(
      {
        email: 'fresh@salon.test',
        displayName: 'Fresh',
        role: 'manager',
        locale: 'en',
        branchId: branch,
      },
      SYSTEM,
    );
    const page = await newPage('en');
    await logIn(page, 'fresh@salon.test', password);
    await page.waitForURL(`${h.url}/admin/password`);
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await h.get('/admin/api/resources/Client/actions/list', cookie)).status).toBe(403);
    await page.goto(`${h.url}/admin/resources/Client`);
    await page.waitForURL(`${h.url}/admin/password`);

    const attempt = async (current: string, next: string, repeat: string) => {
      await page.fill('#current', current);
      await page.fill('#next', next);
      await page.fill('#repeat', repeat);
      await page.click('button[type=submit]');
    };
    await attempt(password, 'a brand new secret', 'a different secret');
    await expect.poll(() => page.textContent('.error')).toBe('The passwords do not match.');
    await attempt('not the password', 'a brand new secret', 'a brand new secret');
    await expect.poll(() => page.textContent('.error')).toBe('The current password is wrong.');
    await attempt(password, password, password);
    await expect
      .poll(() => page.textContent('.error'))
      .toBe('The new password is the same as the current one.');
    await screenshot(page, 'password-change-error');
    await attempt(password, 'a brand new secret', 'a brand new secret');
    await page.waitForURL(`${h.url}/admin`);
    await page.goto(`${h.url}/admin/resources/Client`);
    await expect.poll(() => page.textContent('body')).toContain('Анна Петрова');
    await expect(
      h.staff.authenticate('fresh@salon.test', 'a brand new secret', null),
    ).resolves.toMatchObject({ mustChangePassword: false });
  });

  it('speaks Russian to a Russian-speaking manager on every page, and fits 1280 px', {
    timeout: 60_000,
  }, async () => {
    const { createServices } = await import('../../src/runtime.js');
    const { silentLogger } = await import('../helpers/fixtures.js');
    const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    const {
      branch,
      service,
      masters: [master = ''],
    } = await seedSalon(s, { masters: [{ name: 'Ольга' }] });
    const [anna] = await h.clients.findByPhone('+79161234567');
    const visit = await s.booking.book(
      {
        clientId: anna?.id ?? '',
        serviceId: service,
        masterId: master,
        startsAt: new Date('2030-01-07T08:00:00Z'),
        channel: 'panel',
      },
      SYSTEM,
      new Date('2030-01-01T00:00:00Z'),
    );
    const manager = await h.addStaff('manager', 'ru', branch);
    const page = await newPage('ru-RU');
    await logIn(page, manager, PASSWORD);
    await page.waitForURL(`${h.url}/admin`);
    const fits = async () =>
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        1280,
      );

    await page.goto(`${h.url}/admin/resources/Visit`);
    await expect.poll(() => page.textContent('body')).toContain('Записан');
    const list = (await page.textContent('body')) ?? '';
    expect(list).toContain('Визиты');
    expect(list).not.toContain('Booked');
    await fits();
    await screenshot(page, 'manager-visits-ru');

    await page.goto(`${h.url}/admin/resources/Visit/records/${visit.id}/show`);
    await expect.poll(() => page.textContent('body')).toContain('Отменить визит');
    expect(await page.textContent('body')).toContain('Состояние');
    await fits();
    // The confirmation asks in Russian; saying no changes nothing.
    await page.getByText('Отменить визит').first().click();
    await expect.poll(() => page.textContent('body')).toContain('Клиент получит сообщение.');
    await screenshot(page, 'manager-cancel-guard-ru');
    await page.getByRole('button', { name: 'Отмена' }).click();
    expect(
      (
        await h.t.db
          .selectFrom('appointments')
          .select('status')
          .where('id', '=', visit.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('booked');

    // A wrong value is reported on its field, in Russian, and nothing is stored.
    await page.goto(`${h.url}/admin/resources/Client/actions/new`);
    await page.fill('input[name=name]', 'Новая Клиентка');
    await page.fill('input[name=phone]', 'не телефон');
    await page.locator('button[type=submit]').click();
    await expect.poll(() => page.textContent('body')).toContain('неверное значение');
    expect(await h.clients.findByName('Новая Клиентка')).toEqual([]);
    await fits();

    for (const [path, text] of [
      ['/admin/pages/booking', 'Запись клиента'],
      ['/admin/pages/stats', 'Салон в цифрах'],
    ] as const) {
      await page.goto(`${h.url}${path}`);
      await expect.poll(() => page.locator('h2').first().textContent()).toContain(text);
      await fits();
    }
    await screenshot(page, 'manager-stats-ru');
    // Import and export are actions of the Clients list.
    for (const [path, text] of [
      ['/admin/resources/Client/actions/import', 'Импорт'],
      ['/admin/resources/Client/actions/export', 'Экспорт'],
    ] as const) {
      await page.goto(`${h.url}${path}`);
      await expect.poll(() => page.textContent('h2')).toContain(text);
      await fits();
    }
  });

  it('made no request outside this server', () => {
    expect(external).toEqual([]);
  });
});
