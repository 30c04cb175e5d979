import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { createServices, type Services } from '../../src/runtime.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { silentLogger } from '../helpers/fixtures.js';
import { PanelHarness, seedPanelSalon } from './panel-harness.js';

const SYSTEM = { type: 'system' as const, id: null };
/** Bookings are made "back then", so the visits have begun by the time the tests run. */
const BACK_THEN = new Date('2026-01-01T06:00:00Z');

describe("panel: completing a visit, a client's data as JSON, merging duplicates", () => {
  const h = new PanelHarness();
  let s: Services;
  const cookies: Record<string, string> = {};
  let service = '';
  let master = '';
  let otherMaster = '';
  let day = 2;

  const form = (path: string, cookie: string, fields: Record<string, string>) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        origin: h.url,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
    });

  const book = async (clientId: string, masterId = master) => {
    day++;
    return s.booking.book(
      {
        clientId,
        serviceId: service,
        masterId,
        startsAt: new Date(Date.UTC(2026, 0, day, 8)),
        channel: 'panel',
      },
      SYSTEM,
      BACK_THEN,
    );
  };
  const status = async (id: string) =>
    (
      await h.t.db
        .selectFrom('appointments')
        .select(['status', 'amount_paid', 'points_spent'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).status;

  beforeAll(async () => {
    await h.setUp();
    s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    let masterUser = '';
    for (const role of ['owner', 'manager', 'master', 'analyst'] as const) {
      const email = await h.addStaff(role);
      cookies[role] = await h.login(email);
      if (role === 'master') masterUser = await h.staffId(email);
    }
    const salon = await seedPanelSalon(s, {
      service: { name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 },
      masters: [{ name: 'Ольга', staffUserId: masterUser }, { name: 'Ирина' }],
    });
    service = salon.service;
    [master = '', otherMaster = ''] = salon.masters;
  }, 60_000);
  afterAll(() => h.tearDown());

  it('completing: shows what the client was promised; bad amounts and points are refused and kept', async () => {
    const client = await s.clients.create(
      { name: 'Вера Обещанная', phone: '+79161110001' },
      SYSTEM,
    );
    await h.t.db
      .insertInto('points_ledger')
      .values({ client_id: client.id, delta: '300', reason: 'adjust' })
      .execute();
    const visit = await book(client.id);
    const path = `/admin/visits/${visit.id}/complete`;

    expect((await h.get(path, cookies.analyst)).status).toBe(403);
    const page = await (await h.get(path, cookies.owner)).text();
    expect(page).toContain('Вера Обещанная');
    expect(page).toMatch(/<dt>To pay<\/dt><dd>2000<\/dd>/);
    expect(page).toMatch(/<dt>May be spent now<\/dt><dd>300<\/dd>/);

    const refused: [Record<string, string>, RegExp][] = [
      [{ amount: 'abc' }, /Amount: a number/],
      [{ amount: '-5' }, /Amount: a number/],
      [{ amount: '1e5' }, /Amount: a number/],
      [{ amount: '9'.repeat(5000) }, /Amount: a number/],
      [{ amount: '<script>alert(1)</script>' }, /Amount: a number/],
      [{ points: '-1' }, /Points: a whole number/],
      [{ points: '2.5' }, /Points: a whole number/],
      [{ points: '301' }, /At most 300 points/],
    ];
    for (const [fields, message] of refused) {
      const response = await form(path, cookies.owner ?? '', fields);
      const html = await response.text();
      expect(response.status, JSON.stringify(fields).slice(0, 40)).toBe(400);
      expect(html).toMatch(message);
      expect(html).not.toContain('<script>alert');
      expect(await status(visit.id)).toBe('booked');
    }
    // What was typed comes back, escaped and bounded.
    const echoed = await (await form(path, cookies.owner ?? '', { amount: '<b>12' })).text();
    expect(echoed).toContain('value="&lt;b&gt;12"');

    const done = await form(path, cookies.owner ?? '', { amount: '1 700,50', points: '200' });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe(`/admin/resources/Visit/records/${visit.id}/show`);
    expect(
      await h.t.db
        .selectFrom('appointments')
        .select(['status', 'amount_paid', 'points_spent'])
        .where('id', '=', visit.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'done', amount_paid: '1700.50', points_spent: '200.00' });
    expect(await s.loyalty.pointsBalance(client.id)).toBeLessThan(300);
    // Closed now: the page says so and a second post changes nothing.
    const again = await form(path, cookies.owner ?? '', { amount: '1' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already closed');
  });

  it('completing: a master only their own visit; a visit not begun is refused', async () => {
    const client = await s.clients.create({ name: 'Клиентка Мастеров' }, SYSTEM);
    const theirs = await book(client.id, otherMaster);
    expect((await h.get(`/admin/visits/${theirs.id}/complete`, cookies.master)).status).toBe(404);
    expect(
      (await form(`/admin/visits/${theirs.id}/complete`, cookies.master ?? '', {})).status,
    ).toBe(404);
    expect(await status(theirs.id)).toBe('booked');
    const own = await book(client.id);
    const ok = await form(`/admin/visits/${own.id}/complete`, cookies.master ?? '', {});
    expect(ok.status).toBe(302);
    expect(await status(own.id)).toBe('done');
    const later = await s.booking.book(
      {
        clientId: client.id,
        serviceId: service,
        masterId: master,
        // Three days ahead at 11:00 in Moscow: on the slot grid, within the hours.
        startsAt: new Date(
          Date.UTC(
            new Date().getUTCFullYear(),
            new Date().getUTCMonth(),
            new Date().getUTCDate() + 3,
            8,
          ),
        ),
        channel: 'panel',
      },
      SYSTEM,
      new Date(),
    );
    const early = await form(`/admin/visits/${later.id}/complete`, cookies.owner ?? '', {});
    expect(early.status).toBe(409);
    expect(await early.text()).toContain('has not begun');
    expect((await h.get('/admin/visits/not-a-uuid/complete', cookies.owner)).status).toBe(404);
  });

  it("a client's data as JSON: a download for those allowed, audited with the address", async () => {
    const client = await s.clients.create(
      { name: 'Дарья Экспортова', phone: '+79161110002', allergies: 'пыльца' },
      SYSTEM,
    );
    const path = `/admin/clients/${client.id}/export.json`;
    for (const role of ['master', 'analyst'] as const) {
      const denied = await h.get(path, cookies[role]);
      expect(denied.status).toBe(403);
      expect(await denied.text()).not.toContain('Экспортова');
    }
    const response = await h.get(path, cookies.manager);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="client-/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const data = (await response.json()) as { client: { name: string; allergies: string } };
    expect(data.client).toMatchObject({ name: 'Дарья Экспортова', allergies: 'пыльца' });
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['actor_type', 'ip', 'details'])
      .where('action', '=', 'export')
      .where('entity_id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect(audit.actor_type).toBe('staff');
    expect(audit.ip).toBe('127.0.0.1');
    expect(JSON.stringify(audit.details ?? null)).not.toContain('Экспортова');
    expect((await h.get('/admin/clients/x/export.json', cookies.owner)).status).toBe(404);
    await s.clients.erase(client.id, SYSTEM);
    expect((await h.get(path, cookies.owner)).status).toBe(404);
  });

  it('merging: find the duplicate, see the result side by side, merge; refusals are clear', async () => {
    const kept = await s.clients.create({ name: 'Мария Главная', phone: '+79161110003' }, SYSTEM);
    const dup = await s.clients.create(
      { name: 'Маша', phone: '+79161110004', allergies: 'орехи' },
      SYSTEM,
    );
    const visit = await book(dup.id);
    const path = `/admin/clients/${kept.id}/merge`;
    for (const role of ['manager', 'master', 'analyst'] as const)
      expect((await h.get(path, cookies[role])).status).toBe(403);
    expect((await form(path, cookies.manager ?? '', { with: dup.id })).status).toBe(403);

    const found = await (
      await h.get(`${path}?q=${encodeURIComponent('+7 916 111-00-04')}`, cookies.owner)
    ).text();
    expect(found).toContain('Маша');
    expect(found).not.toMatch(/<td>Мария Главная<\/td>/);
    const hostile = await (
      await h.get(
        `${path}?q=${encodeURIComponent(`<script>x</script>${'я'.repeat(500)}`)}`,
        cookies.owner,
      )
    ).text();
    expect(hostile).not.toContain('<script>x');
    expect(hostile).toContain('No one found');
    const preview = await (await h.get(`${path}?with=${dup.id}`, cookies.owner)).text();
    expect(preview).toMatch(/<th>Allergies<\/th><td><\/td><td>орехи<\/td><td>орехи<\/td>/);

    const same = await form(path, cookies.owner ?? '', { with: kept.id });
    expect(same.status).toBe(400);
    expect(await same.text()).toContain('the same card');
    const junk = await form(path, cookies.owner ?? '', { with: "1' OR '1'='1" });
    expect(junk.status).toBe(404);

    const merged = await form(path, cookies.owner ?? '', { with: dup.id });
    expect(merged.status).toBe(200);
    expect(await merged.text()).toContain('Merged. Visits moved: 1.');
    expect(
      (
        await h.t.db
          .selectFrom('appointments')
          .select('client_id')
          .where('id', '=', visit.id)
          .executeTakeFirstOrThrow()
      ).client_id,
    ).toBe(kept.id);
    expect((await s.clients.findById(kept.id))?.allergies).toBe('орехи');
    expect((await s.clients.findById(dup.id))?.erasedAt).not.toBeNull();
    const twice = await form(path, cookies.owner ?? '', { with: dup.id });
    expect(twice.status).toBe(404);
    expect(await twice.text()).toContain('One of the cards is gone');
  });

  it("the client's card speaks the staff member's language (consents, visits)", async () => {
    const client = await s.clients.create({ name: 'Ольга Карточкина' }, SYSTEM);
    await recordConsents(h.t.db, client.id, [{ purpose: 'health_data', granted: true }], 'panel');
    await book(client.id);
    const show = async (cookie: string) =>
      (
        (await (
          await h.get(`/admin/api/resources/Client/records/${client.id}/show`, cookie)
        ).json()) as { record: { params: { consents: string; visits: string } } }
      ).record.params;
    const en = await show(cookies.owner ?? '');
    expect(en.consents).toContain('health data: yes');
    expect(en.visits).toMatch(/Стрижка, Ольга \(booked\)/);
    const ru = await show(await h.login(await h.addStaff('owner', 'ru')));
    expect(ru.consents).toContain('данные о здоровье: да');
    expect(ru.consents).toContain('рассылки: нет');
    expect(ru.visits).toMatch(/Стрижка, Ольга \(записан\)/);
  });

  describe.runIf(browserAvailable())('in the browser, 1280 px wide', () => {
    it('the owner completes a visit with a corrected amount from the visit page', {
      timeout: 60_000,
    }, async () => {
      const browser = await launchBrowser();
      try {
        const client = await s.clients.create({ name: 'Ксения Браузерная' }, SYSTEM);
        const visit = await book(client.id);
        const owner = await h.addStaff('owner');
        const page = await h.browserLogin(browser, owner, 'en');
        await page.goto(`${h.url}/admin/resources/Visit/records/${visit.id}/show`);
        const link = page.getByRole('link', { name: 'Done: amount and points…' });
        await link.click();
        await page.waitForURL(`${h.url}/admin/visits/${visit.id}/complete`);
        await page.fill('input[name=amount]', 'lots');
        await page.locator('form button[type=submit]').click();
        await expect.poll(() => page.textContent('[role=alert]')).toContain('Amount: a number');
        expect(await page.inputValue('input[name=amount]')).toBe('lots');
        await screenshot(page, 'owner-complete-visit-refused');
        await page.fill('input[name=amount]', '1800');
        await page.locator('form button[type=submit]').click();
        await page.waitForURL(`${h.url}/admin/resources/Visit/records/${visit.id}/show`);
        await expect.poll(() => page.textContent('body')).toContain('Done');
        expect(await status(visit.id)).toBe('done');
        await screenshot(page, 'owner-complete-visit-done');

        // The client card offers the merge page; the preview fits the width.
        await page.goto(`${h.url}/admin/resources/Client/records/${client.id}/show`);
        await page.getByRole('link', { name: 'Merge with another…' }).click();
        await page.waitForURL(`${h.url}/admin/clients/${client.id}/merge`);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
          1280,
        );
        await screenshot(page, 'owner-merge-page');
      } finally {
        await browser.close();
      }
    });
  });
});
