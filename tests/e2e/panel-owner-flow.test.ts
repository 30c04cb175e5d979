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
    timeout: 300_000,
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
    // The panel's own pages are in AdminJS's sidebar (shown without its menu button at 1600 px).
    await page.setViewportSize({ width: 1600, height: 900 });
    for (const name of [
      'Book a client',
      'The salon in numbers',
      'Loyalty',
      'Greeting texts',
      'Backups',
    ])
      await page.getByRole('link', { name, exact: true }).first().waitFor();
    await page.getByRole('link', { name: 'Book a client' }).first().click();
    await page.waitForURL(`${h.url}/admin/pages/booking`);
    await page.getByTestId('booking-page').waitFor();
    const haircut = await h.t.db.selectFrom('services').select('id').executeTakeFirstOrThrow();
    await page.selectOption('select[name=service]', haircut.id);
    await page.fill('input[name=day]', tomorrow);
    await expect.poll(() => page.getByTestId('free-times').textContent()).toContain('Free times');
    await expect.poll(() => page.getByTestId('time').count()).toBeGreaterThan(0);
    const labels = await page.getByTestId('time').allTextContents();
    expect(labels.map((l) => l.trim())).toContain('10:00');
    expect(labels.map((l) => l.trim())).not.toContain('13:15'); // would run into the break
    await screenshot(page, 'owner-book-times');
    // Booking without a time says so on the times.
    await page.getByTestId('book').click();
    await expect.poll(() => page.getByTestId('error-at').textContent()).toBe('Choose a time.');
    await page.getByTestId('time').filter({ hasText: '10:00' }).click();
    await page.fill('input[name=phone]', '+7 916 777-00-01');
    await page.getByTestId('book').click();
    await expect.poll(() => page.getByTestId('error-name').textContent()).toContain('give a name');
    // A phone that is not one is refused on its field; nothing is written.
    await page.fill('input[name=phone]', 'not a phone');
    await page.fill('input[name=name]', 'Walk-in Wendy');
    await page.getByTestId('book').click();
    await expect
      .poll(() => page.getByTestId('error-phone').textContent())
      .toBe('The phone number is not valid.');
    expect(await h.t.db.selectFrom('appointments').select('id').execute()).toEqual([]);
    await page.fill('input[name=phone]', '+7 916 777-00-01');
    await page.getByTestId('book').click();
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
