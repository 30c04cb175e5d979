import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  can,
  canOpenPage,
  PANEL_PAGES,
  PANEL_RESOURCES,
  type PanelUser,
  pagesOf,
} from '../../src/admin/panel/access.js';
import type { StaffRole } from '../../src/db/schema.js';
import { createServices } from '../../src/runtime.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { silentLogger } from '../helpers/fixtures.js';
import { populateSalon } from '../helpers/populate-salon.js';
import { PanelHarness } from './panel-harness.js';

const ROLES: StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];
const LANGS = ['ru', 'en'] as const;

/**
 * Every screen each role may see, in both languages, found the way a person finds it (the
 * sidebar, then a record's action buttons) and checked against the access table, so a screen
 * added to the table is opened here without a change to this file. Screenshots go to
 * test-artifacts/screens/<role>-<lang>-<screen>.png.
 */
describe.runIf(browserAvailable())(
  'panel: every screen of every role, in Russian and English',
  () => {
    const h = new PanelHarness();
    let browser: Browser;
    const staff = new Map<string, { email: string; user: PanelUser }>();

    beforeAll(async () => {
      await h.setUp();
      const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
      const salon = await populateSalon({ ...s, crypto: h.crypto }, h.t.db);
      for (const role of ROLES)
        for (const lang of LANGS) {
          const email = await h.addStaff(role, lang, salon.branch);
          const id = await h.staffId(email);
          staff.set(`${role}-${lang}`, {
            email,
            user: { id, email, role, title: role, locale: lang },
          });
        }
      // The populated master's visits become the Russian-speaking master's (the other has none).
      const masterId = staff.get('master-ru')?.user.id ?? '';
      await h.t.db
        .updateTable('masters')
        .set({ staff_user_id: masterId })
        .where('id', '=', salon.master)
        .execute();
      browser = await launchBrowser();
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await h.tearDown();
    });

    /** The screen rendered: a heading, no AdminJS error box, no error notice. */
    async function rendered(page: Page, label: string): Promise<void> {
      await page.waitForLoadState('networkidle');
      await page.locator('section h1, section h2, section h3').first().waitFor();
      expect(await page.getByTestId(/^No(Resource|Action|Record)Error$/).count(), label).toBe(0);
      expect(await page.getByText('Something went wrong').count(), label).toBe(0);
      const notices = await page.getByTestId('notice-wrapper').allTextContents();
      expect(
        notices.filter((n) => /forbidden|недоступ|not found|не найден/i.test(n)),
        label,
      ).toEqual([]);
    }

    /** Every sidebar group opened (closed at first; AdminJS remembers them in localStorage). */
    async function sidebarLinks(page: Page): Promise<string[]> {
      await page.setViewportSize({ width: 1600, height: 900 });
      await page.locator('[data-css="sidebar"] a').first().waitFor();
      const groups = page.locator('[data-css="sidebar"] a:not([href^="/"])');
      for (let i = 0; i < (await groups.count()); i++) await groups.nth(i).click();
      return page
        .locator('[data-css="sidebar"] a')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    }

    /** Clicks, then waits for the panel's API to answer what the new screen asked for. */
    async function loading(page: Page, click: () => Promise<void>): Promise<void> {
      const answered = page.waitForResponse(
        (r) => r.url().includes('/admin/api/') && r.request().method() === 'GET',
      );
      await click();
      await answered;
    }

    /** The API refuses what the table refuses, asked from the panel's own page. */
    async function refused(page: Page, path: string): Promise<number> {
      return page.evaluate(async (p) => (await fetch(p)).status, path);
    }

    for (const role of ROLES)
      for (const lang of LANGS)
        it(`${role} (${lang})`, async () => {
          const who = staff.get(`${role}-${lang}`);
          if (!who) throw new Error('no account');
          const page = await h.browserLogin(browser, who.email, lang);
          const shot = (screen: string) => screenshot(page, `screens/${role}-${lang}-${screen}`);
          await rendered(page, 'dashboard');

          const links = await sidebarLinks(page);
          const resources = PANEL_RESOURCES.filter((r) => can(who.user, r, 'list'));
          // The sandbox's page exists only without BOT_TOKEN (sandbox-browser.test.ts opens it).
          const sandboxOn = h.app.hasRoute({ method: 'GET', url: '/admin/sandbox' });
          const pages = pagesOf(who.user).filter((p) => p !== 'sandbox' || sandboxOn);
          expect(
            links.filter((l) => l.startsWith('/admin/resources/')).sort(),
            'resources in the sidebar',
          ).toEqual(resources.map((r) => `/admin/resources/${r}`).sort());
          expect(
            links.filter((l) => l.startsWith('/admin/pages/')).sort(),
            'pages in the sidebar',
          ).toEqual(pages.map((p) => `/admin/pages/${p}`).sort());

          for (const p of pages) {
            await loading(page, () =>
              page.locator(`[data-css="sidebar"] a[href="/admin/pages/${p}"]`).click(),
            );
            await page.waitForURL(`**/admin/pages/${p}`);
            await rendered(page, p);
            await shot(`page-${p}`);
          }

          for (const resource of resources) {
            const listHref = `/admin/resources/${resource}`;
            await loading(page, () =>
              page.locator(`[data-css="sidebar"] a[href="${listHref}"]`).click(),
            );
            await page.waitForURL(`**${listHref}`);
            await rendered(page, resource);
            await shot(resource);
            const row = page.locator('tr[data-id]').first();
            if (!can(who.user, resource, 'show') || (await row.count()) === 0) continue;
            const id = await row.getAttribute('data-id');
            const showUrl = `${listHref}/records/${id}/show`;
            await loading(page, () => row.locator('td').nth(1).click());
            await page.waitForURL(`**${showUrl}`);
            await rendered(page, `${resource} show`);
            await shot(`${resource}-show`);
            // The buttons a record offers are the ones the table allows, and each opens.
            const buttons = await page
              .locator('[data-testid^="action-"]')
              .evaluateAll((els) =>
                els.map((e) => (e.getAttribute('data-testid') ?? '').slice('action-'.length)),
              );
            for (const action of buttons)
              expect(can(who.user, resource, action), `${resource} offers ${action}`).toBe(true);
            // Each action's screen once, in English (the buttons are checked in both languages).
            if (lang !== 'en') continue;
            for (const action of buttons.filter((a) => a !== 'show')) {
              // A record's actions and the resource's own (import, export) both end in the
              // action's name; not every action's screen asks the API for anything on opening.
              await page.getByTestId(`action-${action}`).first().click();
              await page.waitForURL((url) => url.pathname.endsWith(`/${action}`));
              await rendered(page, `${resource} ${action}`);
              await shot(`${resource}-${action}`);
              await page.goto(`${h.url}${showUrl}`);
              await rendered(page, `${resource} show again`);
            }
          }

          // What the table refuses is neither listed nor reachable by a typed address.
          for (const resource of PANEL_RESOURCES.filter((r) => !can(who.user, r, 'list')))
            expect(
              await refused(page, `/admin/api/resources/${resource}/actions/list`),
              resource,
            ).toBe(403);
          for (const p of PANEL_PAGES.filter((x) => !canOpenPage(who.user, x)))
            expect(await refused(page, `/admin/api/pages/${p}`), p).toBe(403);
          await page.context().close();
        }, 600_000);
  },
);
