import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { createServices } from '../../src/runtime.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';

const NAME = 'Виолетта Секретная';
const PHONE = '+79168880011';
const OTHER = 'Чужой Клиент';
const READABLE_BY_ANALYST = ['Branch', 'Service', 'Master'];

describe.runIf(browserAvailable())('panel: a master and an analyst in chromium', () => {
  const h = new PanelHarness();
  let browser: Browser;
  let master = '';
  let analyst = '';
  beforeAll(async () => {
    await h.setUp();
    const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    master = await h.addStaff('master', 'ru');
    analyst = await h.addStaff('analyst', 'ru');
    const {
      service,
      masters: [own = '', other = ''],
    } = await seedSalon(s, {
      services: [{ name: 'Окрашивание', category: 'Волосы', durationMin: 60, price: 3000 }],
      masters: [{ name: 'Своя', staffUserId: await h.staffId(master) }, { name: 'Другая' }],
      hours: { start: '08:00', end: '22:00' },
    });
    const client = await s.clients.create(
      { name: NAME, phone: PHONE, allergies: 'аммиак', notes: 'пьёт чай' },
      SYSTEM,
    );
    await recordConsents(h.t.db, client.id, [{ purpose: 'health_data', granted: true }], 'panel');
    const stranger = await s.clients.create({ name: OTHER, phone: '+79168880012' }, SYSTEM);
    const now = new Date('2030-01-07T05:00:00Z');
    const mine = await s.booking.book(
      {
        clientId: client.id,
        serviceId: service,
        masterId: own,
        startsAt: new Date('2030-01-07T07:00:00Z'),
        channel: 'panel',
      },
      SYSTEM,
      now,
    );
    await s.booking.book(
      {
        clientId: stranger.id,
        serviceId: service,
        masterId: other,
        startsAt: new Date('2030-01-07T07:00:00Z'),
        channel: 'panel',
      },
      SYSTEM,
      now,
    );
    const done = await s.booking.book(
      {
        clientId: client.id,
        serviceId: service,
        masterId: own,
        startsAt: new Date('2030-01-07T09:00:00Z'),
        channel: 'panel',
      },
      SYSTEM,
      now,
    );
    await s.visits.complete(done.id, {}, SYSTEM, new Date('2030-01-07T10:00:00Z'));
    await s.visits.rate(client.id, done.id, 2);
    void mine;
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h.tearDown();
  });

  const loggedIn = (email: string) => h.browserLogin(browser, email, 'ru-RU');

  it('a master sees only their own visits, the client with allergies, and no phone', {
    timeout: 60_000,
  }, async () => {
    const page = await loggedIn(master);
    await page.goto(`${h.url}/admin/resources/Visit`);
    await expect.poll(() => page.textContent('body')).toContain(NAME);
    const body = (await page.textContent('body')) ?? '';
    expect(body).not.toContain(OTHER);
    expect(body).not.toContain(PHONE);
    expect(body).not.toContain('8880011');
    await screenshot(page, 'master-visits');
    // None of the panel's pages is a master's (their export is an action on their visits).
    for (const name of ['Записать клиента', 'Салон в цифрах', 'Лояльность', 'Тексты поздравлений'])
      expect(await page.getByRole('link', { name, exact: true }).count(), name).toBe(0);
    await page.getByText(NAME).first().click();
    await expect.poll(() => page.textContent('body')).toContain('аммиак');
    expect(await page.textContent('body')).not.toContain('8880011');
    await screenshot(page, 'master-visit-show');
    // Clients are not a master's to browse.
    const api = await page.request.get(`${h.url}/admin/api/resources/Client/actions/list`);
    expect(api.status()).toBe(403);
  });

  it('an analyst sees the salon in numbers and no personal data anywhere', {
    timeout: 60_000,
  }, async () => {
    const page = await loggedIn(analyst);
    // The sidebar (shown without its menu button at 1600 px) offers the numbers and the rules.
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.getByRole('link', { name: 'Салон в цифрах', exact: true }).first().waitFor();
    for (const [name, shown] of [
      ['Салон в цифрах', 1],
      ['Лояльность', 1],
      ['Записать клиента', 0],
      ['Тексты поздравлений', 0],
    ] as const)
      expect(await page.getByRole('link', { name, exact: true }).count(), name).toBe(shown);
    await page.getByRole('link', { name: 'Салон в цифрах', exact: true }).click();
    await page.waitForURL(`${h.url}/admin/pages/stats`);
    await expect.poll(() => page.locator('h2').first().textContent()).toBe('Салон в цифрах');
    await page.getByTestId('stats-clients').waitFor();
    const stats = (await page.getByTestId('stats-page').textContent()) ?? '';
    expect(stats).toContain('Всего2'); // two clients
    expect(stats).toContain('Низких (2 и меньше)1');
    await screenshot(page, 'analyst-stats');
    const everything: string[] = [stats];
    for (const resource of [
      'Client',
      'Visit',
      'StaffUser',
      'AuditEntry',
      'OutboxMessage',
      'Branch',
      'Service',
      'Master',
    ]) {
      const api = await page.request.get(`${h.url}/admin/api/resources/${resource}/actions/list`);
      everything.push(await api.text());
      await page.goto(`${h.url}/admin/resources/${resource}`);
      // What the page settles on first, then what it must not show: the catalogue lists its
      // rows, every other resource says it is not there for this role.
      const settled = READABLE_BY_ANALYST.includes(resource)
        ? page.locator('[data-css$="-table-body"] tr')
        : page.locator('[data-testid="NoResourceError"], [data-testid="NoActionError"]');
      await settled.first().waitFor();
      everything.push((await page.textContent('body')) ?? '');
    }
    const all = everything.join('\n');
    for (const secret of [NAME, OTHER, PHONE, '8880011', 'аммиак', 'пьёт чай'])
      expect(all).not.toContain(secret);
    await screenshot(page, 'analyst-clients-denied');
  });
});
