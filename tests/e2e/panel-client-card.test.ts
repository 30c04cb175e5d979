import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientCardView, FRIENDS_SHOWN } from '../../src/admin/panel/actions/client-card.js';
import { RFM_SEGMENTS } from '../../src/domain/analytics/rfm.js';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { createServices, type Services } from '../../src/runtime.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';

/** Bookings are made "back then", so the visits have begun by the time the tests run. */
const BACK_THEN = new Date('2026-01-01T06:00:00Z');
/** A name a hostile import could bring: it must show as text, never run. */
const HOSTILE = '<img src=x onerror="window.__pwned=1">Злая';

/** The card as the action answers it, once through JSON. */
type CardView = ClientCardView;

describe("panel: a client's card (record action)", () => {
  const h = new PanelHarness();
  let s: Services;
  const cookies: Record<string, string> = {};
  let service = '';
  let master = '';
  let day = 2;
  const ids: Record<string, string> = {};

  const book = async (clientId: string) => {
    day++;
    return s.booking.book(
      {
        clientId,
        serviceId: service,
        masterId: master,
        startsAt: new Date(Date.UTC(2026, 0, day, 8)),
        channel: 'panel',
      },
      SYSTEM,
      BACK_THEN,
    );
  };
  const invite = async (referrer: string, referred: string, status: 'pending' | 'qualified') => {
    await h.t.db
      .insertInto('referrals')
      .values({ referrer_id: referrer, referred_id: referred, status })
      .execute();
    await h.t.db
      .updateTable('clients')
      .set({ referrer_id: referrer })
      .where('id', '=', referred)
      .execute();
  };
  /** The card as the panel's page asks for it (ApiClient): JSON, same origin. */
  const call = (id: string, cookie: string | undefined, method = 'GET', query = '') =>
    fetch(`${h.url}/admin/api/resources/Client/records/${id}/card${query}`, {
      method,
      redirect: 'manual',
      headers: {
        cookie: cookie ?? '',
        origin: h.url,
        'sec-fetch-site': 'same-origin',
        'sec-fetch-mode': 'cors',
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
  const card = async (id: string, who = 'owner'): Promise<CardView> => {
    const response = await call(id, cookies[who]);
    expect(response.status).toBe(200);
    return ((await response.json()) as { record: { params: { cardView: CardView } } }).record.params
      .cardView;
  };

  beforeAll(async () => {
    await h.setUp();
    s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    for (const role of ['owner', 'admin', 'manager', 'master', 'analyst'] as const)
      cookies[role] = await h.login(await h.addStaff(role));
    const salon = await seedSalon(s, {
      services: [{ name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 }],
      masters: [{ name: 'Ольга' }],
    });
    service = salon.service;
    [master = ''] = salon.masters;

    // Came through Instagram › Stories, invited by Вера; invited Нина, who invited Зоя.
    const parent = await h.t.db
      .insertInto('acquisition_sources')
      .values({ name: 'Instagram' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const source = await h.t.db
      .insertInto('acquisition_sources')
      .values({ name: 'Stories', parent_id: parent.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const client = await s.clients.create({ name: 'Алла Карточная' }, SYSTEM);
    ids.client = client.id;
    await h.t.db
      .updateTable('clients')
      .set({ source_id: source.id })
      .where('id', '=', client.id)
      .execute();
    ids.referrer = (await s.clients.create({ name: 'Вера Пригласившая' }, SYSTEM)).id;
    ids.friend = (await s.clients.create({ name: 'Нина Подруга' }, SYSTEM)).id;
    ids.second = (await s.clients.create({ name: HOSTILE }, SYSTEM)).id;
    await invite(ids.referrer, client.id, 'qualified');
    await invite(client.id, ids.friend, 'qualified');
    await invite(ids.friend, ids.second, 'pending');
    await recordConsents(h.t.db, client.id, [{ purpose: 'health_data', granted: true }], 'panel');

    // Two visits done (1800 and 2200 paid), one cancelled: spend 4000, average 2000.
    const first = await book(client.id);
    await s.visits.complete(first.id, { amount: 1800, points: 0 }, SYSTEM, new Date());
    const second = await book(client.id);
    await s.visits.complete(second.id, { amount: 2200, points: 0 }, SYSTEM, new Date());
    const third = await book(client.id);
    await s.visits.cancelByStaff(third.id, SYSTEM);
  }, 60_000);
  afterAll(() => h.tearDown());

  it('shows card, level, points, spend, source, referrer, consents, friends two levels deep and visits', async () => {
    const view = await card(ids.client ?? '');
    expect(view.card).toMatch(/^\d{10}$/);
    expect(view.discount).toEqual({ percent: expect.any(Number), level: expect.any(String) });
    expect(view.points).toBeGreaterThanOrEqual(0);
    expect(view.value).toMatchObject({ visits: 2, spend: '4000', averageTicket: '2000' });
    expect(view.value.lastVisit).toMatch(/^Sun 4 January, \d{2}:\d{2}$/);
    // Two visits a day apart, long ago: expected back the next day, and overdue since.
    expect(view.value.expectedReturn).toBe('5 January 2026');
    expect(['at-risk', 'lost']).toContain(view.value.churnState);
    expect(RFM_SEGMENTS).toContain(view.value.segment);
    expect(view.source).toBe('Stories');
    expect(view.referrer).toEqual({ id: ids.referrer, name: 'Вера Пригласившая' });
    expect(view.consents).toContainEqual({ purpose: 'health_data', granted: true });
    expect(view.consents).toContainEqual({ purpose: 'marketing', granted: false });
    expect(view.friends).toMatchObject({
      referrer: { id: ids.referrer, name: 'Вера Пригласившая' },
      qualified: 1,
      pending: 0,
      more: 0,
      invited: [
        {
          id: ids.friend,
          name: 'Нина Подруга',
          status: 'qualified',
          friends: [{ id: ids.second, name: HOSTILE, status: 'pending' }],
        },
      ],
    });
    expect(view.visits.upcoming).toEqual([]);
    expect(view.visits.past.map((v) => [v.status, v.price, v.discountPct, v.amountPaid])).toEqual([
      ['cancelled', '2000', 0, null],
      ['done', '2000', 0, '2200'],
      ['done', '2000', 0, '1800'],
    ]);
    // The friends' names were read: audited like a list page.
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['details'])
      .where('entity', '=', 'client')
      .where('action', '=', 'search')
      .execute();
    expect(audit.some((a) => (a.details.filters as string[]).includes('referrals'))).toBe(true);
  });

  it('a client with no visits, no source and no friends: empty figures, nothing invented', async () => {
    const lone = await s.clients.create({ name: 'Одинокая' }, SYSTEM);
    const view = await card(lone.id);
    expect(view.value).toEqual({
      visits: 0,
      spend: '0',
      averageTicket: null,
      lastVisit: null,
      expectedReturn: null,
      churnState: null,
      segment: null,
    });
    expect(view.source).toBeNull();
    expect(view.referrer).toBeNull();
    expect(view.friends).toMatchObject({ referrer: null, invited: [], more: 0 });
  });

  it('names at most FRIENDS_SHOWN friends and counts the rest; an erased friend has no name', async () => {
    const host = await s.clients.create({ name: 'Душа компании' }, SYSTEM);
    const made: string[] = [];
    for (let i = 0; i < FRIENDS_SHOWN + 3; i++) {
      const friend = await s.clients.create({ name: `Гостья ${i}` }, SYSTEM);
      await invite(host.id, friend.id, 'pending');
      made.push(friend.id);
    }
    await s.clients.erase(made[0] ?? '', SYSTEM);
    const view = await card(host.id);
    expect(view.friends.invited).toHaveLength(FRIENDS_SHOWN);
    expect(view.friends.more).toBe(3);
    expect(view.friends.pending).toBe(FRIENDS_SHOWN + 3);
    const erased = view.friends.invited.find((f) => f.id === made[0]);
    if (erased) expect(erased.name).toBeNull();
    expect(JSON.stringify(view)).not.toContain('Гостья 0"');
  });

  it('only the roles the access table allows: owner, admin, manager; never a master or analyst', async () => {
    for (const role of ['owner', 'admin', 'manager'])
      expect((await card(ids.client ?? '', role)).card).toMatch(/^\d{10}$/);
    for (const role of ['master', 'analyst']) {
      const response = await call(ids.client ?? '', cookies[role]);
      expect(response.status, role).toBe(403);
      expect(await response.text()).not.toContain('Карточная');
    }
    expect((await call(ids.client ?? '', undefined)).status).toBe(401);
  });

  it('hostile or wrong addresses show no card and change nothing', async () => {
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000', "1' OR '1'='1"]) {
      const response = await call(encodeURIComponent(id), cookies.owner);
      expect(response.status, id).toBeLessThan(500);
      const body = await response.text();
      expect(body, id).not.toContain('cardView');
    }
    // An erased client has no card any more.
    const gone = await s.clients.create({ name: 'Стёртая' }, SYSTEM);
    await s.clients.erase(gone.id, SYSTEM);
    expect(await (await call(gone.id, cookies.owner)).text()).not.toContain('cardView');
    // A query parameter the card does not take is refused, not ignored into a 500.
    const junk = await call(ids.client ?? '', cookies.owner, 'GET', `?x=${'y'.repeat(5000)}`);
    expect(junk.status).toBeLessThan(500);
    // The card only reads: a POST changes nothing and still shows the same card.
    const before = await h.t.db.selectFrom('referrals').select('id').execute();
    const posted = await call(ids.client ?? '', cookies.owner, 'POST');
    expect(posted.status).toBe(200);
    expect((await h.t.db.selectFrom('referrals').select('id').execute()).length).toBe(
      before.length,
    );
  });

  describe.runIf(browserAvailable())('in the browser, 1280 px wide', () => {
    it('opens the card from the record, in English and Russian; friends link to their cards', {
      timeout: 120_000,
    }, async () => {
      const browser = await launchBrowser();
      try {
        for (const [locale, label, words] of [
          [
            'en',
            'Card',
            ['Spent in all', '4000', 'Stories', 'Expected back', 'Health data', 'yes'],
          ],
          [
            'ru',
            'Карточка',
            ['Потрачено всего', '4000', 'Stories', 'Ждём снова', 'Данные о здоровье', 'да'],
          ],
        ] as const) {
          const owner = await h.addStaff('owner', locale);
          const page = await h.browserLogin(browser, owner, locale);
          await page.goto(`${h.url}/admin/resources/Client/records/${ids.client}/show`);
          await page.getByRole('link', { name: label, exact: true }).first().click();
          await page.waitForURL(`${h.url}/admin/resources/Client/records/${ids.client}/card`);
          const cardBox = page.getByTestId('client-card');
          await expect.poll(() => cardBox.textContent()).toContain(words[0]);
          const text = (await cardBox.textContent()) ?? '';
          for (const word of words) expect(text, `${locale}: ${word}`).toContain(word);
          expect(await page.getByTestId('card-visit').count()).toBe(3);
          expect(await page.getByTestId('card-friend-second').textContent()).toContain(HOSTILE);
          expect(
            await page.evaluate(() => (window as { __pwned?: number }).__pwned),
          ).toBeUndefined();
          expect(
            await page.evaluate(() => document.documentElement.scrollWidth),
          ).toBeLessThanOrEqual(1280);
          await screenshot(page, `client-card-${locale}`);
          // A friend's name leads to the friend's own card.
          await page.getByTestId('card-friend').getByText('Нина Подруга').click();
          await page.waitForURL(`${h.url}/admin/resources/Client/records/${ids.friend}/card`);
          await expect
            .poll(() => page.getByTestId('client-card').textContent())
            .toContain('Алла Карточная');
          await page.context().close();
        }
      } finally {
        await browser.close();
      }
    });
  });
});
