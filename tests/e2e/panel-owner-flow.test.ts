import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { PanelHarness } from './panel-harness.js';

describe.runIf(browserAvailable())('panel: the owner sets up the salon and books a walk-in', () => {
  const h = new PanelHarness();
  let browser: Browser;
  let owner = '';
  beforeAll(async () => {
    await h.setUp();
    owner = await h.addStaff('owner');
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h.tearDown();
  });

  const loggedIn = (email: string) => h.browserLogin(browser, email, 'en');

  async function save(page: Page) {
    await page.locator('button[type=submit]').click();
  }

  it('creates a branch, a service and a master with hours, then books a walk-in at a free time', {
    timeout: 60_000,
  }, async () => {
    const page = await loggedIn(owner);

    await page.goto(`${h.url}/admin/resources/Branch/actions/new`);
    await page.fill('input[name=name]', 'Central');
    await page.fill('input[name=time_zone]', 'Mars/Olympus');
    await save(page);
    // A bad zone is refused on its field and nothing is stored.
    await expect.poll(() => page.textContent('body')).toContain('invalid value');
    expect(await h.t.db.selectFrom('branches').select('id').execute()).toEqual([]);
    await page.fill('input[name=time_zone]', 'Europe/Moscow');
    await page.fill('input[name=phone]', '+7 495 000-00-00');
    await save(page);
    await expect
      .poll(async () => (await h.t.db.selectFrom('branches').select('name').execute()).length)
      .toBe(1);
    await screenshot(page, 'owner-branch-created');

    await page.goto(`${h.url}/admin/resources/Service/actions/new`);
    await page.fill('input[name=name]', 'Haircut');
    await page.fill('input[name=category]', 'Hair');
    await page.fill('input[name=duration_min]', '60');
    await page.fill('input[name=price]', '-5');
    await save(page);
    await expect.poll(() => page.textContent('body')).toContain('invalid value');
    await page.fill('input[name=price]', '1500');
    await save(page);
    await expect
      .poll(async () => (await h.t.db.selectFrom('services').select('name').execute()).length)
      .toBe(1);

    await page.goto(`${h.url}/admin/resources/Master/actions/new`);
    await page.fill('input[name=display_name]', 'Olga');
    // The branch is a reference: pick it in the select.
    await page.locator('[data-testid="property-edit-branch_id"] input').first().fill('Cen');
    await page.keyboard.press('Enter').catch(() => undefined);
    await page
      .getByText('Central', { exact: true })
      .last()
      .click()
      .catch(() => undefined);
    await page.fill('input[name=services]', 'Haircut');
    await page.fill('textarea[name=hours]', 'mon-sun 25:00-19:00');
    await save(page);
    await expect.poll(() => page.textContent('body')).toContain('wrong format');
    expect(await h.t.db.selectFrom('masters').select('id').execute()).toEqual([]);
    await page.fill('textarea[name=hours]', 'mon-sun 10:00-14:00, 15:00-19:00');
    await page.fill('textarea[name=exceptions]', '2027-02-30 off');
    await save(page);
    await expect
      .poll(() => page.locator('[data-testid="property-edit-exceptions"]').textContent())
      .toContain('wrong format');
    expect(await h.t.db.selectFrom('masters').select('id').execute()).toEqual([]);
    const dayAfter = DateTime.now().setZone('Europe/Moscow').plus({ days: 2 }).toISODate() ?? '';
    await page.fill('textarea[name=exceptions]', `${dayAfter} выходной`);
    await save(page);
    await expect
      .poll(async () => (await h.t.db.selectFrom('working_hours').select('id').execute()).length)
      .toBe(14);
    await screenshot(page, 'owner-master-created');

    const tomorrow = DateTime.now().setZone('Europe/Moscow').plus({ days: 1 }).toISODate() ?? '';
    // The panel's own pages are linked from every AdminJS page.
    expect(await page.locator('#clientele-tools a').allTextContents()).toEqual([
      'Book a client',
      'Import',
      'Export',
      'Numbers',
      'Greeting texts',
      'Loyalty',
    ]);
    await page.locator('#clientele-tools a', { hasText: 'Book a client' }).click();
    await page.waitForURL(`${h.url}/admin/book`);
    await page.fill('input[name=day]', tomorrow);
    await page.locator('form[method=get] button').click();
    await expect.poll(() => page.textContent('main')).toContain('Free times');
    const labels = await page.locator('.time').allTextContents();
    expect(labels.map((l) => l.trim())).toContain('10:00');
    expect(labels.map((l) => l.trim())).not.toContain('13:15'); // would run into the break
    await screenshot(page, 'owner-book-times');
    await page.locator('.time', { hasText: '10:00' }).locator('input').check();
    await page.fill('input[name=phone]', '+7 916 777-00-01');
    await page.locator('form[method=post] button').click();
    await expect.poll(() => page.textContent('main')).toContain('give a name');
    await page.locator('.time', { hasText: '10:00' }).locator('input').check();
    await page.fill('input[name=phone]', '+7 916 777-00-01');
    await page.fill('input[name=name]', 'Walk-in Wendy');
    await page.locator('form[method=post] button').click();
    await page.waitForURL(/\/admin\/resources\/Visit\/records\/.+\/show/);
    await expect.poll(() => page.textContent('body')).toContain('Walk-in Wendy');
    await screenshot(page, 'owner-walk-in-booked');
    const visits = await h.t.db
      .selectFrom('appointments')
      .select(['channel', 'created_by_staff_id'])
      .execute();
    expect(visits).toHaveLength(1);
    expect(visits[0]?.channel).toBe('panel');
  });
});
