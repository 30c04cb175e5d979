import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/runtime.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { silentLogger } from '../helpers/fixtures.js';
import { type FeedbackSalon, SECRET, seedFeedback } from './feedback-fixture.js';
import { PanelHarness } from './panel-harness.js';

/** The chart's drawn bars and its option's data, read from ECharts in the page. */
async function chartData(page: Page, id: string): Promise<(number | null)[]> {
  await page.locator(`[data-chart="${id}"][data-state="drawn"]`).waitFor();
  return page.evaluate((chart) => {
    const el = document.querySelector(`[data-chart="${chart}"]`) as HTMLElement;
    const echarts = (
      window as unknown as { echarts: { getInstanceByDom(e: HTMLElement): unknown } }
    ).echarts;
    const instance = echarts.getInstanceByDom(el) as {
      getOption(): { series: { data: (number | null)[] }[] };
    };
    return instance.getOption().series[0]?.data ?? [];
  }, id);
}

/** The figures of the table under a chart, by row. */
async function tableCells(page: Page, id: string, cell: string): Promise<string[]> {
  return page.locator(`[data-table="${id}"] tbody [data-cell="${cell}"]`).allTextContents();
}

describe.runIf(browserAvailable())('panel: the feedback inbox in chromium', () => {
  const h = new PanelHarness();
  let browser: Browser;
  let salon: FeedbackSalon;
  const emails: Record<string, string> = {};

  beforeAll(async () => {
    await h.setUp();
    const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    salon = await seedFeedback(s, h.t.db, h.crypto);
    emails.owner = await h.addStaff('owner', 'en');
    emails.analyst = await h.addStaff('analyst', 'ru');
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h.tearDown();
  });

  it('the owner sees the chart matching its table, marks a low score handled and replies', async () => {
    const page = await h.browserLogin(browser, emails.owner ?? '', 'en');
    await page.goto(`${h.url}/admin/pages/feedback`);
    await page.getByTestId('feedback-inbox').waitFor();
    const bars = await chartData(page, 'scores');
    expect(bars).toEqual([1, 1, 1, 1, 4]);
    expect((await tableCells(page, 'scores', 'ratings')).map(Number)).toEqual(bars);
    // The bars are drawn, not only configured: one SVG path per non-empty bar at least.
    expect(await page.locator('[data-chart="scores"] svg path').count()).toBeGreaterThan(4);
    await screenshot(page, 'feedback/owner-inbox');

    const low = page.locator(`[data-item="${salon.lowVisit}"]`);
    await expect.poll(() => low.textContent()).toContain(SECRET.comment);
    const answered = page.waitForResponse(
      (r) => r.url().includes('/api/pages/feedback') && r.request().method() === 'GET',
    );
    await low.getByTestId('toggle-handled').click();
    await answered;
    // Open items only by default: the handled one leaves the list.
    await expect.poll(() => page.locator(`[data-item="${salon.lowVisit}"]`).count()).toBe(0);
    const handled = await h.t.db
      .selectFrom('visit_feedback')
      .select('handled_at')
      .where('appointment_id', '=', salon.lowVisit)
      .executeTakeFirstOrThrow();
    expect(handled.handled_at).not.toBeNull();

    const message = page.locator(`[data-item="${salon.message}"]`);
    await message.getByTestId('reply').click();
    await page
      .getByTestId(`reply-form-${salon.message}`)
      .locator('textarea')
      .fill('Разберёмся сегодня');
    await page.getByTestId('reply-send').click();
    await expect.poll(() => page.locator(`[data-item="${salon.message}"]`).count()).toBe(0);
    const queued = await h.t.db
      .selectFrom('outbox')
      .select('chat_id')
      .where('kind', '=', 'feedback_reply')
      .execute();
    expect(queued.map((q) => Number(q.chat_id))).toEqual([salon.chatId]);

    // Print view: the filters and the sidebar are not printed, the chart block is.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.no-print').first().isVisible()).toBe(false);
    expect(await page.locator('[data-block="scores"]').isVisible()).toBe(true);
    await screenshot(page, 'feedback/owner-print');
    await page.context().close();
  }, 120_000);

  it('an analyst sees the distribution with "<5" cells, no items and no personal data', async () => {
    const page = await h.browserLogin(browser, emails.analyst ?? '', 'ru');
    const answer = page.waitForResponse((r) => r.url().includes('/api/pages/feedback'));
    await page.goto(`${h.url}/admin/pages/feedback`);
    const json = await (await answer).text();
    await page.getByTestId('feedback-page').waitFor();
    await page.locator('[data-chart="scores"][data-state="drawn"]').waitFor();
    expect(await tableCells(page, 'scores', 'ratings')).toEqual(['<5', '<5', '<5', '<5', '<5']);
    // Masked cells are drawn as nothing: their size would give them away.
    expect(await chartData(page, 'scores')).toEqual([null, null, null, null, null]);
    expect(await page.getByTestId('feedback-inbox').count()).toBe(0);
    const html = await page.content();
    for (const secret of [...Object.values(SECRET), '+79165550123', salon.clientId]) {
      expect(html).not.toContain(secret);
      expect(json).not.toContain(secret);
    }
    await screenshot(page, 'feedback/analyst');
    await page.context().close();
  }, 120_000);
});
