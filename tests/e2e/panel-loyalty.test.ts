import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/runtime.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';

describe.runIf(browserAvailable())(
  'panel: the owner edits a loyalty level and issues a coupon',
  () => {
    const h = new PanelHarness();
    let browser: Browser;
    let owner = '';
    let clientId = '';
    beforeAll(async () => {
      await h.setUp();
      owner = await h.addStaff('owner');
      const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
      await seedSalon(s, {
        branch: { name: 'Central' },
        services: [{ name: 'Haircut', category: 'Hair', durationMin: 60, price: 1500 }],
        masters: [],
      });
      clientId = (await s.clients.create({ name: 'Coupon Carla', phone: '+79165550123' }, SYSTEM))
        .id;
      browser = await launchBrowser();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await h.tearDown();
    });

    it('changes the Silver level, refused first for a bad value, then saved as version 1', {
      timeout: 180_000,
    }, async () => {
      const page = await h.browserLogin(browser, owner, 'en');
      // In AdminJS's sidebar (shown without its menu button at 1600 px).
      await page.setViewportSize({ width: 1600, height: 900 });
      await page.getByRole('link', { name: 'Loyalty', exact: true }).last().click();
      await page.waitForURL(`${h.url}/admin/pages/loyalty`);
      await expect.poll(() => page.locator('h2').first().textContent()).toBe('Loyalty rules');

      await page.fill('input[name="levels.1.percent"]', 'five');
      await page.fill('input[name="levels.1.name"]', 'Silver <b>');
      await page.getByTestId('save-rules').click();
      await expect
        .poll(() => page.getByTestId('error-levels.1.percent').textContent())
        .toContain('A number');
      expect(await page.getByTestId('error-levels.1.name').textContent()).toContain(
        'Letters, digits',
      );
      expect(await page.inputValue('input[name="levels.1.name"]')).toBe('Silver <b>');
      await screenshot(page, 'owner-loyalty-refused');
      expect(await h.t.db.selectFrom('loyalty_rules').select('version').execute()).toEqual([]);

      // Rows are added and removed on the page; nothing is saved until "save".
      await page.getByTestId('add-referral').click();
      await expect.poll(() => page.locator('[data-row^="referral-"]').count()).toBe(4);
      await page.getByTestId('remove-referral-3').click();
      await expect.poll(() => page.locator('[data-row^="referral-"]').count()).toBe(3);
      await page.getByTestId('add-level').click();
      await expect.poll(() => page.locator('[data-row^="level-"]').count()).toBe(4);
      expect(await h.t.db.selectFrom('loyalty_rules').select('version').execute()).toEqual([]);
      await page.fill('input[name="levels.1.name"]', 'Silver+');
      await page.fill('input[name="levels.1.percent"]', '5');
      await page.fill('input[name="levels.3.name"]', 'Platinum');
      await page.fill('input[name="levels.3.minSpend"]', '100000');
      await page.fill('input[name="levels.3.minVisits"]', '24');
      await page.fill('input[name="levels.3.percent"]', '10');
      await page.getByTestId('save-rules').click();
      await expect
        .poll(() => page.getByTestId('saved').textContent())
        .toContain('Saved: version 1.');
      expect(await page.getByTestId('history-row').count()).toBe(1);
      await screenshot(page, 'owner-loyalty-saved');
      const saved = await h.t.db
        .selectFrom('loyalty_rules')
        .select('rules')
        .executeTakeFirstOrThrow();
      expect((saved.rules as { levels: { name: string; percent: number }[] }).levels).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'Silver+', percent: 5 }),
          expect.objectContaining({ name: 'Platinum', percent: 10 }),
        ]),
      );
    });

    it('issues a manual coupon for a client, refused first without a valid date', {
      timeout: 60_000,
    }, async () => {
      const page = await h.browserLogin(browser, owner, 'en');
      await page.goto(`${h.url}/admin/resources/Coupon/actions/new`);
      await page.locator('[data-testid="property-edit-client_id"] input').first().fill('Coupon');
      await page
        .getByText('Coupon Carla', { exact: true })
        .last()
        .click()
        .catch(() => undefined);
      await page.fill('input[name=percent]', '150');
      await page.fill('input[name=categories]', 'Hair');
      await page.locator('button[type=submit]').click();
      await expect
        .poll(() => page.locator('[data-testid="property-edit-valid_until"]').textContent())
        .toContain('required');
      expect(await h.t.db.selectFrom('coupons').select('id').execute()).toEqual([]);
      const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      const date = page.locator('[data-testid="property-edit-valid_until"] input').first();
      await date.fill(until);
      await date.press('Escape');
      await page.locator('button[type=submit]').click();
      // Now the percent, above 100, is refused on its own field.
      await expect
        .poll(() => page.locator('[data-testid="property-edit-percent"]').textContent())
        .toContain('invalid value');
      expect(await h.t.db.selectFrom('coupons').select('id').execute()).toEqual([]);
      await screenshot(page, 'owner-coupon-refused');
      await page.fill('input[name=percent]', '15');
      await page.locator('button[type=submit]').click();
      await expect
        .poll(async () => (await h.t.db.selectFrom('coupons').select('id').execute()).length)
        .toBe(1);
      const coupon = await h.t.db.selectFrom('coupons').selectAll().executeTakeFirstOrThrow();
      // Back to the list, where the new coupon shows its client by name and its state.
      await page.waitForURL(`${h.url}/admin/resources/Coupon`);
      await expect.poll(() => page.textContent('body')).toContain(coupon.code);
      const body = (await page.textContent('body')) ?? '';
      expect(body).toContain('Coupon Carla');
      expect(body).toContain('Active');
      expect(body).not.toContain('+79165550123');
      await screenshot(page, 'owner-coupon-issued');
      expect(coupon).toMatchObject({ client_id: clientId, kind: 'manual', categories: ['Hair'] });
      expect(Number(coupon.percent)).toBe(15);
    });
  },
);
