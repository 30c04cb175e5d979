import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { PanelHarness } from './panel-harness.js';

describe.runIf(browserAvailable())('panel: the owner manages staff accounts', () => {
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

  it('creates an account (a bad e-mail refused first), then makes a one-time password', {
    timeout: 60_000,
  }, async () => {
    const page = await h.browserLogin(browser, owner, 'en');
    await page.goto(`${h.url}/admin/resources/StaffUser/actions/new`);
    await page.fill('input[name=email]', 'not an e-mail');
    await page.fill('input[name=display_name]', 'Olga');
    await page.locator('[data-testid="property-edit-role"] input').first().fill('Master');
    await page.keyboard.press('Enter');
    await page.locator('button[type=submit]').click();
    await expect
      .poll(() => page.locator('[data-testid="property-edit-email"]').textContent())
      .toContain('invalid value');
    expect(await h.t.db.selectFrom('staff_users').select('id').execute()).toHaveLength(1);
    await screenshot(page, 'staff-bad-email');

    await page.fill('input[name=email]', 'olga@salon.test');
    await page.locator('button[type=submit]').click();
    await expect
      .poll(async () =>
        h.t.db
          .selectFrom('staff_users')
          .select(['role', 'display_name', 'must_change_password'])
          .where('email', '=', 'olga@salon.test')
          .executeTakeFirst(),
      )
      .toEqual({ role: 'master', display_name: 'Olga', must_change_password: true });
    const id = (
      await h.t.db
        .selectFrom('staff_users')
        .select('id')
        .where('email', '=', 'olga@salon.test')
        .executeTakeFirstOrThrow()
    ).id;

    await page.goto(`${h.url}/admin/resources/StaffUser/records/${id}/show`);
    await page.getByText('New one-time password', { exact: true }).first().click();
    await expect
      .poll(() => page.textContent('body'))
      .toContain('Make a new one-time password? The old one stops working and open sessions end.');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => page.textContent('body'))
      .toMatch(/New one-time password: \S+ — shown once/);
    await screenshot(page, 'staff-one-time-password');
    const shown = /New one-time password: (\S+) /.exec((await page.textContent('body')) ?? '')?.[1];
    const session = await h.login('olga@salon.test', shown ?? '');
    expect((await h.get('/admin', session)).headers.get('location')).toBe('/admin/password');
    await page.context().close();
  });
});
