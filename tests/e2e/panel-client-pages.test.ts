import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en, panelTranslate } from '../../src/admin/panel/locales/index.js';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { createServices, type Services } from '../../src/runtime.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';

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
  /** A record action called as the panel's own page calls it (ApiClient): JSON, same origin. */
  const action = (
    resource: string,
    id: string,
    name: string,
    cookie: string,
    body?: Record<string, string>,
    query = '',
  ) =>
    fetch(`${h.url}/admin/api/resources/${resource}/records/${id}/${name}${query}`, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie,
        origin: h.url,
        'sec-fetch-site': 'same-origin',
        'sec-fetch-mode': 'cors',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const complete = (id: string, cookie: string | undefined, body?: Record<string, string>) =>
    action('Visit', id, 'complete', cookie ?? '', body);
  const merge = (id: string, cookie: string | undefined, body?: Record<string, string>, q = '') =>
    action('Client', id, 'merge', cookie ?? '', body, q);
  type Answer = {
    record: { params: Record<string, unknown> };
    notice?: { message: string; type: string; options?: Record<string, unknown> };
    fields?: Record<string, string>;
    options?: Record<string, unknown>;
    redirectUrl?: string;
    candidates?: { id: string; name: string }[];
    preview?: { rows: { field: string; kept: string; other: string; result: string }[] };
  };
  /** The text a message key shows in English (the panel's dictionary, as the page renders it). */
  const english = (key: string | undefined, options: Record<string, unknown> = {}) => {
    let node: unknown = en.messages;
    for (const part of (key ?? '').split('.')) node = (node as Record<string, unknown>)?.[part];
    return String(node ?? key).replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(options[k]));
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
    const salon = await seedSalon(s, {
      services: [{ name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 }],
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

    expect((await complete(visit.id, cookies.analyst)).status).toBe(403);
    const page = (await (await complete(visit.id, cookies.owner)).json()) as Answer;
    expect(page.record.params.client).toBe('Вера Обещанная');
    expect(page.record.params['promised.due']).toBe('2000');
    expect(page.record.params['promised.spendablePoints']).toBe(300);

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
      const response = await complete(visit.id, cookies.owner, fields);
      const answer = (await response.json()) as Answer;
      expect(response.status, JSON.stringify(fields).slice(0, 40)).toBe(400);
      // The field is named, with its message (a key the page shows in the user's language).
      const field = Object.keys(fields)[0] ?? '';
      expect(english(answer.fields?.[field], answer.options)).toMatch(message);
      expect(JSON.stringify(answer)).not.toContain('<script>alert');
      expect(await status(visit.id)).toBe('booked');
    }
    // A body that is not what the form sends is a 400 naming the field.
    const wrong = await complete(visit.id, cookies.owner, { amount: ['1'] } as never);
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { fields: Record<string, string> }).fields).toHaveProperty(
      'amount',
    );

    const done = await complete(visit.id, cookies.owner, { amount: '1 700,50', points: '200' });
    expect(done.status).toBe(200);
    const doneAnswer = (await done.json()) as Answer;
    expect(doneAnswer.redirectUrl).toBe(`/admin/resources/Visit/records/${visit.id}/show`);
    expect(doneAnswer.notice?.type).toBe('success');
    expect(
      await h.t.db
        .selectFrom('appointments')
        .select(['status', 'amount_paid', 'points_spent'])
        .where('id', '=', visit.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'done', amount_paid: '1700.50', points_spent: '200.00' });
    expect(await s.loyalty.pointsBalance(client.id)).toBeLessThan(300);
    // Closed now: the page says so and a second post changes nothing.
    const closedPage = (await (await complete(visit.id, cookies.owner)).json()) as Answer;
    expect(closedPage.record.params['promised.open']).toBe(false);
    const again = await complete(visit.id, cookies.owner, { amount: '1' });
    expect(again.status).toBe(409);
    expect(english(((await again.json()) as Answer).notice?.message)).toContain('already closed');
  });

  it('completing: a master only their own visit; a visit not begun is refused', async () => {
    const client = await s.clients.create({ name: 'Клиентка Мастеров' }, SYSTEM);
    const theirs = await book(client.id, otherMaster);
    // Another master's visit is not found for this master (AdminJS loads it through the scope).
    const notFound = (await (await complete(theirs.id, cookies.master)).json()) as Answer;
    expect(notFound.notice?.type).toBe('error');
    expect(notFound.record?.params?.client).toBeUndefined();
    const posted = await complete(theirs.id, cookies.master, {});
    expect(await posted.text()).not.toContain('"type":"success"');
    expect(await status(theirs.id)).toBe('booked');
    const own = await book(client.id);
    const ok = await complete(own.id, cookies.master, {});
    expect(ok.status).toBe(200);
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
    const early = await complete(later.id, cookies.owner, {});
    expect(early.status).toBe(409);
    expect(english(((await early.json()) as Answer).notice?.message)).toContain('has not begun');
    const junk = (await (await complete('not-a-uuid', cookies.owner)).json()) as Answer;
    expect(junk.notice?.type).toBe('error');
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
    for (const role of ['manager', 'master', 'analyst'] as const)
      expect((await merge(kept.id, cookies[role])).status).toBe(403);
    expect((await merge(kept.id, cookies.manager, { with: dup.id })).status).toBe(403);

    const search = async (q: string) =>
      (await (
        await merge(kept.id, cookies.owner, undefined, `?q=${encodeURIComponent(q)}`)
      ).json()) as Answer;
    const found = await search('+7 916 111-00-04');
    expect(found.candidates?.map((c) => c.name)).toContain('Маша');
    expect(found.candidates?.map((c) => c.name)).not.toContain('Мария Главная');
    const hostile = await search(`<script>x</script>${'я'.repeat(500)}`);
    // The search is data (rendered as text by React), and finds no one.
    expect(hostile.candidates).toEqual([]);
    const preview = (await (
      await merge(kept.id, cookies.owner, undefined, `?with=${dup.id}`)
    ).json()) as Answer;
    expect(preview.preview?.rows.find((r) => r.field === 'allergies')).toEqual({
      field: 'allergies',
      kept: '',
      other: 'орехи',
      result: 'орехи',
    });

    const same = await merge(kept.id, cookies.owner, { with: kept.id });
    expect(same.status).toBe(400);
    expect(english(((await same.json()) as Answer).notice?.message)).toContain('the same card');
    const junk = await merge(kept.id, cookies.owner, { with: "1' OR '1'='1" });
    expect(junk.status).toBe(404);

    const merged = await merge(kept.id, cookies.owner, { with: dup.id });
    expect(merged.status).toBe(200);
    const mergedAnswer = (await merged.json()) as Answer;
    expect(english(mergedAnswer.notice?.message, mergedAnswer.notice?.options)).toContain(
      'Merged. Visits moved: 1.',
    );
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
    const twice = await merge(kept.id, cookies.owner, { with: dup.id });
    expect(twice.status).toBe(404);
    expect(english(((await twice.json()) as Answer).notice?.message)).toContain(
      'One of the cards is gone',
    );
  });

  it("the client's card speaks the staff member's language (consents, visits)", async () => {
    const client = await s.clients.create({ name: 'Ольга Карточкина' }, SYSTEM);
    await recordConsents(h.t.db, client.id, [{ purpose: 'health_data', granted: true }], 'panel');
    await book(client.id);
    type Card = {
      consents: { purpose: string; granted: boolean }[];
      visits: Record<
        'upcoming' | 'past',
        { when: string; service: string; master: string; status: string }[]
      >;
    };
    const card = async (cookie: string) =>
      (
        (await (await action('Client', client.id, 'card', cookie)).json()) as {
          record: { params: { cardView: Card } };
        }
      ).record.params.cardView;
    // The card's words come from the panel locale (the component translates each key).
    const line = (c: Card, locale: string) => {
      const t = panelTranslate(locale);
      return [
        ...c.consents.map(
          (x) =>
            `${t.tc(`ClientCard.purpose.${x.purpose}`)}: ${t.tc(`ClientCard.${x.granted ? 'yes' : 'no'}`)}`,
        ),
        ...[...c.visits.upcoming, ...c.visits.past].map(
          (v) => `${v.service}, ${v.master} (${t.tl(`status.${v.status}`, 'Visit')})`,
        ),
      ].join('; ');
    };
    const enCard = await card(cookies.owner ?? '');
    expect(line(enCard, 'en')).toContain('Health data: yes');
    expect(line(enCard, 'en')).toMatch(/Стрижка, Ольга \(Booked\)/);
    expect(enCard.visits.past[0]?.when).toMatch(/^[A-Z][a-z]{2} \d/);
    const ruCard = await card(await h.login(await h.addStaff('owner', 'ru')));
    expect(line(ruCard, 'ru')).toContain('Данные о здоровье: да');
    expect(line(ruCard, 'ru')).toContain('Рассылки: нет');
    expect(line(ruCard, 'ru')).toMatch(/Стрижка, Ольга \(Записан\)/);
    expect(ruCard.visits.past[0]?.when).toMatch(/^[а-я]{2} \d/);
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
        await page.getByRole('link', { name: 'Done: amount and points' }).first().click();
        await page.waitForURL(`${h.url}/admin/resources/Visit/records/${visit.id}/complete`);
        await page.fill('input[name=amount]', 'lots');
        await page.locator('[data-testid=complete-visit] button[type=submit]').click();
        await expect.poll(() => page.textContent('[role=alert]')).toContain('Amount: a number');
        expect(await page.inputValue('input[name=amount]')).toBe('lots');
        await screenshot(page, 'owner-complete-visit-refused');
        await page.fill('input[name=amount]', '1800');
        await page.locator('[data-testid=complete-visit] button[type=submit]').click();
        // AdminJS adds ?refresh=true when an action sends the user back to the record.
        await page.waitForURL(
          (url) => url.pathname === `/admin/resources/Visit/records/${visit.id}/show`,
        );
        await expect.poll(() => page.textContent('body')).toContain('Done');
        expect(await status(visit.id)).toBe('done');
        await screenshot(page, 'owner-complete-visit-done');

        // The client card offers merging; the preview fits the width.
        await page.goto(`${h.url}/admin/resources/Client/records/${client.id}/show`);
        await page.getByRole('link', { name: 'Merge with another' }).first().click();
        await page.waitForURL(`${h.url}/admin/resources/Client/records/${client.id}/merge`);
        await page.fill('#merge-query', 'Ксения');
        await page.locator('[data-testid=merge-clients] button[type=submit]').click();
        await expect
          .poll(() => page.textContent('[data-testid=merge-clients]'))
          .toContain('No one found');
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
