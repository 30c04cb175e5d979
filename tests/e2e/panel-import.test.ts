import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { PanelHarness } from './panel-harness.js';

const FILE = [
  'ФИО;Телефон;Дата рождения;Комментарий',
  'Анна Импортова;+7 916 300-00-01;14.03.1990;любит чай',
  'Без телефона;;01.01.1990;',
  'Неверная дата;+79163000003;31.02.1990;',
  '<img src=x onerror=alert(1)>;+79163000004;;',
].join('\n');

describe.runIf(browserAvailable())('panel: CSV import in chromium', () => {
  const h = new PanelHarness();
  let browser: Browser;
  let manager = '';
  beforeAll(async () => {
    await h.setUp();
    manager = await h.addStaff('manager', 'ru');
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h.tearDown();
  });

  const loggedIn = (email: string) => h.browserLogin(browser, email, 'ru-RU');

  it('a manager checks a file with bad rows, sees the report, then imports; hostile names stay text', {
    timeout: 60_000,
  }, async () => {
    const page = await loggedIn(manager);
    // The import is an action of the Clients list.
    await page.goto(`${h.url}/admin/resources/Client`);
    await page.getByRole('link', { name: 'Импорт из CSV' }).first().click();
    await page.waitForURL(`${h.url}/admin/resources/Client/actions/import`);
    await expect
      .poll(() => page.textContent('[data-testid=import-clients] h2'))
      .toBe('Импорт клиентов из CSV');
    await page.setInputFiles('#import-file', {
      name: 'clients.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(FILE),
    });
    // The header's columns are offered for mapping.
    expect(await page.locator('#map-phone option').allTextContents()).toContain('Телефон');
    await page.click('[data-testid=import-check]');
    await expect
      .poll(() => page.textContent('[data-testid=import-report]'))
      .toContain('Проверка: ничего не записано.');
    const report = (await page.textContent('[data-testid=import-report]')) ?? '';
    expect(report).toContain('Строк: 4');
    expect(report).toContain('Новых: 2');
    expect(report).toContain('С ошибками: 2');
    const rows = await page.locator('[data-testid=import-errors] tr').allTextContents();
    expect(rows.slice(1)).toEqual(['3Телефонне заполнено', '4День рожденияневерное значение']);
    await screenshot(page, 'import-check-report');
    expect(await h.clients.count()).toBe(0);

    await page.click('[data-testid=import-run]');
    await expect
      .poll(() => page.textContent('[data-testid=import-report]'))
      .toContain('Импорт завершён.');
    await screenshot(page, 'import-done');
    expect(await h.clients.count()).toBe(2);
    const [anna] = await h.clients.findByPhone('+79163000001');
    expect(anna).toMatchObject({ name: 'Анна Импортова', notes: 'любит чай' });
    const [hostile] = await h.clients.findByPhone('+79163000004');
    expect(hostile?.name).toBe('<img src=x onerror=alert(1)>');
    // The clients list shows it as text (no script ran: no dialog opened).
    await page.goto(`${h.url}/admin/resources/Client`);
    await expect.poll(() => page.textContent('body')).toContain('<img src=x onerror=alert(1)>');
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', 'like', 'import%')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['import', 'import-check']);
    expect(JSON.stringify(audit)).not.toContain('Анна');
  });

  it('is for owners, admins and managers only, and refuses cross-site posts', async () => {
    for (const role of ['master', 'analyst'] as const) {
      const cookie = await h.login(await h.addStaff(role));
      expect((await h.get('/admin/api/resources/Client/actions/import', cookie)).status).toBe(403);
      const post = await fetch(
        `${h.url}/admin/import/run?id=00000000-0000-4000-8000-000000000000&dry=1`,
        {
          method: 'POST',
          headers: { cookie, origin: h.url, 'content-type': 'text/csv' },
          body: FILE,
        },
      );
      expect(post.status).toBe(403);
    }
    const anonymous = await h.get('/admin/resources/Client/actions/import');
    expect(anonymous.status).toBe(302);
    const cookie = await h.login(manager);
    const forged = await fetch(
      `${h.url}/admin/import/run?id=00000000-0000-4000-8000-000000000000&dry=1`,
      {
        method: 'POST',
        headers: { cookie, origin: 'https://evil.example', 'content-type': 'text/csv' },
        body: FILE,
      },
    );
    expect(forged.status).toBe(403);
    const wrongType = await fetch(
      `${h.url}/admin/import/run?id=00000000-0000-4000-8000-000000000000&dry=1`,
      {
        method: 'POST',
        headers: { cookie, origin: h.url, 'content-type': 'application/json' },
        body: '{}',
      },
    );
    expect(wrongType.status).toBe(400);
    const ok = await fetch(
      `${h.url}/admin/import/run?id=00000000-0000-4000-8000-000000000001&dry=1`,
      {
        method: 'POST',
        headers: { cookie, origin: h.url, 'content-type': 'text/csv' },
        body: FILE,
      },
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      dryRun: true,
      rows: 4,
      created: 0,
      unchanged: 2,
      failed: 2,
    });
  });
});
