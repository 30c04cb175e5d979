import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { PanelHarness } from './panel-harness.js';

const PAGE = '/admin/pages/backups';
const API = '/admin/api/pages/backups';

describe.runIf(browserAvailable())('panel: backups page for owners', () => {
  const h = new PanelHarness();
  let browser: Browser;
  let owner = '';
  let backupName = '';

  beforeAll(async () => {
    await h.setUp();
    owner = await h.addStaff('owner', 'en');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h.tearDown();
  });

  it('the owner finds it in the sidebar, backs up now, sees it listed and downloads it', async () => {
    const page = await h.browserLogin(browser, owner);
    // Wide enough for AdminJS to show its sidebar without the menu button.
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.getByRole('link', { name: 'Backups' }).first().click();
    await page.waitForURL(`${h.url}${PAGE}`);
    await page.getByText('No backups yet').waitFor();
    await page.getByTestId('back-up-now').click();
    await page.getByTestId('backup-row').first().waitFor();
    expect(await page.getByTestId('backup-row').count()).toBe(1);
    const [file] = await h.backups.list();
    backupName = file?.name ?? '';
    await page.getByText(`Backup ${backupName} is ready`).waitFor();
    await screenshot(page, 'panel-backups-owner');

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download' }).click();
    const saved = await (await download).path();
    const bytes = readFileSync(saved);
    expect(bytes.subarray(0, 8).toString()).toBe('CLBACKUP');
    expect(bytes.length).toBe(file?.size);

    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'entity_id'])
      .where('entity', '=', 'backup')
      .orderBy('id')
      .execute();
    const ownerId = await h.staffId(owner);
    expect(audit).toEqual([
      { action: 'backup.create', actor_id: ownerId, entity_id: backupName },
      { action: 'backup.download', actor_id: ownerId, entity_id: backupName },
    ]);
    await page.context().close();
  }, 90_000);

  it('a manager does not see it in the sidebar, and a typed address shows nothing', async () => {
    const manager = await h.addStaff('manager', 'en');
    const page = await h.browserLogin(browser, manager);
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.getByText('CRM', { exact: true }).first().waitFor();
    expect(await page.getByRole('link', { name: 'Backups' }).count()).toBe(0);
    const response = await page.goto(`${h.url}${PAGE}`);
    expect(response?.status()).toBe(403);
    await page.context().close();
  }, 90_000);

  it.each(['admin', 'manager', 'analyst', 'master'] as const)(
    'refuses a %s the page, its API, "back up now" and the download (403)',
    async (role) => {
      const cookie = await h.login(await h.addStaff(role, 'en'));
      const before = (await h.backups.list()).length;
      for (const path of [PAGE, API, `/admin/backups/${backupName}`]) {
        expect((await h.get(path, cookie)).status, path).toBe(403);
      }
      const post = await fetch(`${h.url}${API}`, {
        method: 'POST',
        headers: { cookie, origin: h.url, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(post.status).toBe(403);
      expect((await h.backups.list()).length).toBe(before);
    },
  );

  it('refuses anonymous callers, other sites, and names that are not backups', async () => {
    expect((await h.get(`/admin/backups/${backupName}`)).status).toBe(302);
    expect((await h.get(API)).status).toBe(401);
    const cookie = await h.login(owner);
    const before = (await h.backups.list()).length;
    const forged = await fetch(`${h.url}${API}`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(forged.status).toBe(403);
    // A link opened from elsewhere (GET) lists, never backs up.
    expect((await h.get(API, cookie)).status).toBe(200);
    expect((await h.backups.list()).length).toBe(before);
    for (const [path, status] of [
      ['/admin/backups/..%2F..%2Fetc%2Fpasswd', 400],
      ['/admin/backups/master.key', 404],
      [`/admin/backups/.${backupName}.partial`, 404],
      [`/admin/backups/${backupName.replace('.backup', '.backupx')}`, 404],
      ['/admin/backups/clientele-20990101-000000-000Z.backup', 404],
      [`/admin/backups/${'a'.repeat(300)}`, 414],
    ] as const) {
      expect((await h.get(path, cookie)).status, path).toBe(status);
    }
    const listed = (await (await h.get(API, cookie)).json()) as { backups: { name: string }[] };
    expect(listed.backups.map((b) => b.name)).toEqual([backupName]);
  });
});
