import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { PanelHarness } from './panel-harness.js';

describe.runIf(browserAvailable())('panel: the owner sets up greetings and sources', () => {
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

  async function save(page: Page) {
    await page.locator('button[type=submit]').click();
  }

  /** Picks a value in one of AdminJS's selects by typing and choosing the match. */
  async function pick(page: Page, field: string, typed: string, option: string) {
    await page.locator(`[data-testid="property-edit-${field}"] input`).first().fill(typed);
    await page
      .getByText(option, { exact: true })
      .last()
      .click({ timeout: 5000 })
      .catch(() => page.keyboard.press('Enter'));
  }

  it('edits and previews a text, creates a holiday and a child source', {
    timeout: 90_000,
  }, async () => {
    const page = await h.browserLogin(browser, owner, 'en');
    expect(page.viewportSize()?.width).toBe(1280);

    // The texts page is in AdminJS's sidebar (shown without its menu button from 1600 px).
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.getByRole('link', { name: 'Greeting texts' }).first().click();
    await page.waitForURL(`${h.url}/admin/pages/templates`);
    const birthday = () =>
      page.locator('[data-testid=template][data-key="birthday"][data-locale="en"]');
    await birthday().locator('textarea').fill('Happy birthday, {nmae}!');
    await birthday().getByTestId('save').click();
    await expect.poll(() => birthday().textContent()).toContain('Unknown placeholders: {nmae}');
    // The typed text stays for correcting.
    expect(await birthday().locator('textarea').inputValue()).toBe('Happy birthday, {nmae}!');
    // The preview follows the typing, without a button.
    await birthday().locator('textarea').fill('Happy birthday, {name}! Your coupon: {coupon}');
    await expect
      .poll(() =>
        birthday()
          .getByTestId('preview')
          .textContent()
          .catch(() => ''),
      )
      .toContain('Happy birthday, Anna! Your coupon: XX-EXAMPLE');
    await screenshot(page, 'greetings-template-preview');
    await birthday().getByTestId('save').click();
    await expect.poll(() => birthday().textContent()).toContain('Saved.');
    const stored = await h.t.db
      .selectFrom('message_templates')
      .select('body')
      .where('key', '=', 'birthday')
      .where('locale', '=', 'en')
      .executeTakeFirstOrThrow();
    expect(stored.body).toBe('Happy birthday, {name}! Your coupon: {coupon}');
    // Back to the default text: the stored one goes, the default shows again.
    await birthday().getByTestId('reset').click();
    await expect
      .poll(() => birthday().locator('textarea').inputValue())
      .toContain('{name}, happy birthday! Here is a coupon {coupon}');
    expect(
      await h.t.db
        .selectFrom('message_templates')
        .select('body')
        .where('key', '=', 'birthday')
        .where('locale', '=', 'en')
        .execute(),
    ).toEqual([]);
    await expect.poll(() => birthday().textContent()).toContain('default text');

    const holidays = async () =>
      (await h.t.db.selectFrom('holidays').select('name').execute()).map((r) => r.name);
    await page.goto(`${h.url}/admin/resources/Holiday/actions/new`);
    await page.fill('input[name=name]', "Beautician's day");
    await pick(page, 'kind', 'fixed', 'fixed');
    await page.fill('input[name=month]', '2');
    await page.fill('input[name=day]', '31');
    await save(page);
    await expect
      .poll(() => page.locator('[data-testid="property-edit-day"]').textContent())
      .toContain('invalid value');
    expect(await holidays()).not.toContain("Beautician's day");
    await page.fill('input[name=day]', '14');
    await page.fill('input[name=local_hour]', '11');
    await save(page);
    await expect.poll(holidays).toContain("Beautician's day");
    await expect.poll(() => page.textContent('body')).toContain("Beautician's day");
    await screenshot(page, 'greetings-holiday-created');

    const sources = async () =>
      await h.t.db
        .selectFrom('acquisition_sources')
        .select(['id', 'name', 'parent_id', 'link_code'])
        .orderBy('created_at')
        .execute();
    await page.goto(`${h.url}/admin/resources/AcquisitionSource/actions/new`);
    await page.fill('input[name=name]', 'Instagram');
    await page.fill('input[name=link_code]', 'insta');
    await save(page);
    await expect.poll(async () => (await sources()).length).toBe(1);

    await page.goto(`${h.url}/admin/resources/AcquisitionSource/actions/new`);
    await page.fill('input[name=name]', 'Stories');
    await page.fill('input[name=link_code]', 'insta');
    await pick(page, 'parent_id', 'Insta', 'Instagram');
    await save(page);
    // The code is taken: said on its field, nothing stored.
    await expect
      .poll(() => page.locator('[data-testid="property-edit-link_code"]').textContent())
      .toContain('already taken');
    expect(await sources()).toHaveLength(1);
    await page.fill('input[name=link_code]', 'insta-stories');
    await save(page);
    await expect.poll(async () => (await sources()).length).toBe(2);
    const [root, child] = await sources();
    expect(child).toMatchObject({
      name: 'Stories',
      parent_id: root?.id,
      link_code: 'insta-stories',
    });
    await page.goto(`${h.url}/admin/resources/AcquisitionSource/records/${child?.id}/show`);
    await expect.poll(() => page.textContent('body')).toContain('src_insta-stories');
    await screenshot(page, 'greetings-source-child');
  });
});
