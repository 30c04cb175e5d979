import http from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/runtime.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { PASSWORD, PanelHarness } from './panel-harness.js';

/** The headers a browser sends with a script call from one of the panel's own pages. */
const PANEL_SCRIPT = { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' };

describe('panel hardening: request handling (issue #17)', () => {
  const h = new PanelHarness();
  let s: Services;
  let owner = '';
  let salon: { branch: string; service: string; masters: string[] };

  beforeAll(async () => {
    await h.setUp();
    s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    owner = await h.login(await h.addStaff('owner'));
    salon = await seedSalon(s, { masters: [{ name: 'Мастер Один' }] });
  });
  afterAll(() => h.tearDown());

  /** A request with exactly these headers (fetch would add its own Sec-Fetch-Mode). */
  const call = (
    path: string,
    headers: Record<string, string>,
    method = 'GET',
    body?: string,
  ): Promise<{ status: number; text: () => Promise<string>; json: () => Promise<unknown> }> => {
    const { hostname, port } = new URL(h.url);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { hostname, port, path, method, headers: { cookie: owner, ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              text: async () => text,
              json: async () => JSON.parse(text),
            });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };

  it('finding 1: a destructive record action opened as a plain link is refused', async () => {
    const client = await s.clients.create({ name: 'Link Victim', phone: '+79160000101' }, SYSTEM);
    const path = `/admin/api/resources/Client/records/${client.id}/erase`;
    const links: Record<string, string>[] = [
      // Tapped in Telegram Desktop or a mail client, or pasted into the address bar.
      { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
      // A client that sends no fetch metadata and no origin at all.
      {},
      // Even from the panel's own page, a navigation is not a script call.
      { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
      // Without fetch metadata, another site's origin or referrer.
      { origin: 'https://evil.example' },
      { referer: 'https://evil.example/mail' },
      { referer: `${h.url}.evil.example/` },
    ];
    for (const headers of links) {
      const response = await call(path, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.text()).toMatch(/panel's own pages/);
      for (const method of ['POST']) {
        const posted = await call(
          path,
          { ...headers, 'content-type': 'application/json' },
          method,
          '{}',
        );
        expect(posted.status, `POST ${JSON.stringify(headers)}`).toBe(403);
      }
    }
    expect(await s.clients.findById(client.id)).not.toBeNull();

    // The panel's own script may look at the action (AdminJS loads the record first), but a GET
    // never runs it, even from the panel's own page.
    for (const headers of [PANEL_SCRIPT, { referer: `${h.url}/admin/resources/Client` }]) {
      const look = await call(path, headers);
      expect(look.status).toBe(200);
      expect(((await look.json()) as { record: { id: string } }).record.id).toBe(client.id);
      expect(await s.clients.findById(client.id)).not.toBeNull();
    }

    // The same for every action that changes state.
    const before = await s.cards.activeCard(client.id);
    const master = await h.addStaff('master');
    const masterId = await h.staffId(master);
    const hashBefore = await h.t.db
      .selectFrom('staff_users')
      .select('password_hash')
      .where('id', '=', masterId)
      .executeTakeFirstOrThrow();
    const visit = await s.booking.book(
      {
        clientId: client.id,
        serviceId: salon.service,
        masterId: salon.masters[0] ?? '',
        startsAt: new Date('2030-01-07T08:00:00Z'),
        channel: 'panel',
      },
      SYSTEM,
      new Date('2030-01-07T06:00:00Z'),
    );
    const coupon = await s.loyalty.issueManualCoupon(
      {
        clientId: client.id,
        percent: 10,
        validFrom: new Date(),
        validUntil: new Date(Date.now() + 30 * 86_400_000),
        categories: [],
      },
      SYSTEM,
    );
    const actions = [
      `Client/records/${client.id}/reissueCard`,
      `Visit/records/${visit.id}/cancel`,
      `Visit/records/${visit.id}/noShow`,
      `StaffUser/records/${masterId}/resetPassword`,
      `StaffUser/records/${masterId}/linkCode`,
      `Coupon/records/${coupon.id}/revoke`,
    ];
    for (const action of actions) {
      const plain = await call(`/admin/api/resources/${action}`, {
        'sec-fetch-site': 'none',
        'sec-fetch-mode': 'navigate',
      });
      expect(plain.status, action).toBe(403);
      const look = await call(`/admin/api/resources/${action}`, PANEL_SCRIPT);
      expect(look.status, action).toBe(200);
      expect(JSON.stringify(await look.json()), action).not.toMatch(/"type":"success"/);
    }
    expect(await s.cards.activeCard(client.id)).toBe(before);
    expect(
      (
        await h.t.db
          .selectFrom('appointments')
          .select('status')
          .where('id', '=', visit.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('booked');
    expect(
      await h.t.db
        .selectFrom('staff_users')
        .select('password_hash')
        .where('id', '=', masterId)
        .executeTakeFirstOrThrow(),
    ).toEqual(hashBefore);
    expect(
      (
        await h.t.db
          .selectFrom('coupons')
          .select('revoked_at')
          .where('id', '=', coupon.id)
          .executeTakeFirstOrThrow()
      ).revoked_at,
    ).toBeNull();

    // A POST from the panel's own page does it.
    const done = await call(
      path,
      { ...PANEL_SCRIPT, 'content-type': 'application/json' },
      'POST',
      '{}',
    );
    expect(done.status).toBe(200);
    expect(((await done.json()) as { notice: { type: string } }).notice.type).toBe('success');
    expect(await s.clients.findById(client.id)).toBeNull();
  });

  it('finding 9: no CSV cell starts a formula, whichever separator the spreadsheet guesses', async () => {
    const hostile = {
      name: 'Anna,=2+5,',
      notes: 'calm;+SUM(1,2);"quoted",@x\n=1+1 x,""=HYPERLINK(1)',
      allergies: '-2+3,\t=cmd',
    };
    await s.clients.create({ ...hostile, phone: '+79160000109', tags: ['=tag', 'vip,@x'] }, SYSTEM);
    const text = await (await h.get('/admin/export/clients.csv', owner)).text();
    const body = text.replace(/^\uFEFF/, '');
    for (const delimiter of [',', ';']) {
      const rows = parse(body, {
        delimiter,
        relax_quotes: true,
        relax_column_count: true,
        skip_empty_lines: true,
      }) as string[][];
      expect(rows.length).toBeGreaterThan(1);
      for (const row of rows)
        for (const cell of row)
          expect(cell, `read with "${delimiter}": ${JSON.stringify(cell)}`).not.toMatch(
            /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/,
          );
    }
    // Read with its own separator, every value comes back, with an apostrophe (which a
    // spreadsheet does not show) before each formula character where a cell could start.
    const [header, ...rows] = parse(body, { delimiter: ';' }) as string[][];
    const column = (name: string) => header?.indexOf(name) ?? -1;
    const row = rows.find((r) => r[column('Phone')] === "'+79160000109");
    expect(row, 'the hostile client').toBeDefined();
    expect(row?.[column('Name')]).toBe("Anna,'=2+5,");
    expect(row?.[column('Notes')]).toBe(
      'calm;\'+SUM(1,2);"quoted",\'@x\n\'=1+1 x,""\'=HYPERLINK(1)',
    );
    expect(row?.[column('Allergies')]).toBe("'-2+3,'\t'=cmd");
    expect(row?.[column('Tags')]).toBe("'=tag, vip,'@x");
    expect(row?.[column('Language')]).toBe('ru');
  });

  it('finding 13: a malformed request parameter is a 400 naming it, never a 500', async () => {
    const bad: [string, string][] = [];
    for (const resource of ['Client', 'Master', 'Service', 'Visit', 'AuditEntry', 'Coupon']) {
      const list = `/admin/api/resources/${resource}/actions/list`;
      bad.push(
        [`${list}?perPage=abc`, 'perPage'],
        [`${list}?perPage=-5`, 'perPage'],
        [`${list}?perPage=100000`, 'perPage'],
        [`${list}?page=-3`, 'page'],
        [`${list}?page=1e300`, 'page'],
        [`${list}?page=1&page=2`, 'page'],
        [`${list}?direction=sideways`, 'direction'],
        [`${list}?sortBy=no_such_field`, 'sortBy'],
        [`${list}?filters.no_such_field=x`, 'filters.no_such_field'],
        [`${list}?filters.constructor=x`, 'filters.constructor'],
      );
    }
    bad.push(
      ['/admin/api/resources/Client/actions/list?filters.name=Anna%00', 'filters.name'],
      ['/admin/api/resources/Service/actions/list?filters.category=%00', 'filters.category'],
      ['/admin/api/resources/Master/actions/list?filters.services=Haircut', 'filters.services'],
      ['/admin/api/resources/Master/actions/list?filters.hours=10', 'filters.hours'],
      ['/admin/api/resources/Master/actions/list?filters.exceptions=x', 'filters.exceptions'],
      ['/admin/api/resources/Master/actions/list?sortBy=services', 'sortBy'],
      ['/admin/api/resources/Master/actions/list?sortBy=toString', 'sortBy'],
    );
    for (const [path, param] of bad) {
      const response = await call(path, PANEL_SCRIPT);
      const body = await response.text();
      expect(response.status, `${path}: ${body}`).toBe(400);
      expect(JSON.parse(body).error, path).toContain(param);
    }
    // Odd names are never a 500.
    for (const query of ['toString=1', '__proto__.x=1', 'constructor.prototype.x=1', 'filters=x']) {
      const response = await call(
        `/admin/api/resources/Client/actions/list?${query}`,
        PANEL_SCRIPT,
      );
      expect(response.status, query).toBeLessThan(500);
    }
    // AdminJS's "new" runs only on POST.
    for (const resource of ['Client', 'Master', 'Coupon']) {
      const response = await call(`/admin/api/resources/${resource}/actions/new`, PANEL_SCRIPT);
      expect(response.status, resource).toBe(405);
      expect(await response.text()).toMatch(/POST/);
    }
    // A multipart form without its boundary.
    const noBoundary = await call(
      '/admin/api/resources/Client/actions/new',
      { ...PANEL_SCRIPT, origin: h.url, 'content-type': 'multipart/form-data' },
      'POST',
      'name=x',
    );
    expect(noBoundary.status).toBe(400);
    expect(await noBoundary.text()).toMatch(/boundary/);
    // Good parameters still work, filters and sorting included.
    for (const path of [
      '/admin/api/resources/Master/actions/list?page=1&perPage=10&sortBy=display_name&direction=asc',
      '/admin/api/resources/Master/actions/list?filters.display_name=Мастер',
      '/admin/api/resources/Service/actions/list?filters.category=Волосы&sortBy=category',
      '/admin/api/resources/Client/actions/list?filters.name=Link&page=2',
      '/admin/api/resources/Visit/actions/list?filters.status=booked',
    ]) {
      const response = await call(encodeURI(path), PANEL_SCRIPT);
      expect(response.status, path).toBe(200);
    }
    const masters = await call(
      encodeURI('/admin/api/resources/Master/actions/list?filters.display_name=Мастер'),
      PANEL_SCRIPT,
    );
    expect(await masters.text()).toContain('Мастер Один');
  });

  it('finding 12: a huge or deeply nested payload is refused quickly, before AdminJS walks it', async () => {
    const post = async (type: string, payload: string | FormData) => {
      // A form is encoded before the clock starts: this process is the server too.
      const encoded = new Request(h.url, { method: 'POST', body: payload });
      const contentType = type || (encoded.headers.get('content-type') ?? '');
      const body = new Uint8Array(await encoded.arrayBuffer());
      const blocked = monitorEventLoopDelay({ resolution: 10 });
      blocked.enable();
      const started = performance.now();
      const response = await fetch(`${h.url}/admin/api/resources/Client/actions/new`, {
        method: 'POST',
        headers: {
          cookie: owner,
          origin: h.url,
          'sec-fetch-site': 'same-origin',
          ...(contentType ? { 'content-type': contentType } : {}),
        },
        body,
      });
      const text = await response.text();
      blocked.disable();
      return {
        status: response.status,
        text,
        ms: performance.now() - started,
        blockedMs: blocked.max / 1e6,
      };
    };
    const before = await s.clients.count();
    const manyFields = Array.from({ length: 100_000 }, (_, i) => `f${i}=1`).join('&');
    expect(manyFields.length).toBeLessThan(1024 * 1024);
    const form = await post('application/x-www-form-urlencoded', manyFields);
    expect(form.status, form.text).toBe(413);
    expect(JSON.parse(form.text).error).toMatch(/fields/);
    const json = await post(
      'application/json',
      `{${Array.from({ length: 100_000 }, (_, i) => `"f${i}":1`).join(',')}}`,
    );
    expect(json.status, json.text).toBe(413);
    const multipart = new FormData();
    for (let i = 0; i < 100_000; i++) multipart.append(`f${i}`, '1');
    const parts = await post('', multipart);
    expect(parts.status, parts.text).toBe(413);
    // Deep nesting: JSON brackets, or dotted names AdminJS would unflatten.
    const deepJson = await post('application/json', `${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect(deepJson.status, deepJson.text).toBe(400);
    expect(JSON.parse(deepJson.text).error).toMatch(/nested/);
    const deepObject = await post(
      'application/json',
      `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
    );
    expect(deepObject.status, deepObject.text).toBe(400);
    const dotted = await post(
      'application/x-www-form-urlencoded',
      `name=${'a.'.repeat(10_000)}&${'x.'.repeat(10_000)}x=1`,
    );
    expect(dotted.status, dotted.text).toBe(400);
    expect(JSON.parse(dotted.text).error).toMatch(/nested/);
    const dottedJson = await post(
      'application/json',
      JSON.stringify({ [`${'x.'.repeat(10_000)}x`]: 1 }),
    );
    expect(dottedJson.status, dottedJson.text).toBe(400);
    // The refusals above come from the limits counted while the body streams in (the 413/400
    // texts name them), so AdminJS never walks the payload. Stall times are printed, not
    // asserted: on a loaded 2-core machine a timed assertion fails for reasons of its own.
    console.log(
      'finding 12 timings (ms, request / longest event-loop stall):',
      JSON.stringify({ form, json, parts, deepJson, deepObject, dotted, dottedJson }, (k, v) =>
        k === 'text' ? undefined : typeof v === 'number' ? Math.round(v) : v,
      ),
    );
    expect(await s.clients.count()).toBe(before);

    // Ordinary forms still work: URL-encoded, JSON and multipart (as AdminJS's own form posts).
    const ok1 = await post(
      'application/x-www-form-urlencoded',
      'name=Form%20One&phone=%2B79160000121',
    );
    expect(ok1.status, ok1.text).toBe(200);
    const ok2 = await post(
      'application/json',
      JSON.stringify({ name: 'Form Two', phone: '+79160000122', tags: ['a', 'b'] }),
    );
    expect(ok2.status, ok2.text).toBe(200);
    const fields = new FormData();
    fields.append('name', 'Form Three');
    fields.append('phone', '+79160000123');
    fields.append('tags.0', 'vip');
    const ok3 = await post('', fields);
    expect(ok3.status, ok3.text).toBe(200);
    expect(await s.clients.count()).toBe(before + 3);
  });

  it('finding 5: a staff display name is text everywhere, inside the page script state too', async () => {
    const payload = 'Anna</script><script>alert(1)</script>';
    // The staff service refuses markup in a display name, through the panel and directly.
    const target = await h.addStaff('manager');
    const targetId = await h.staffId(target);
    const edit = await call(
      `/admin/api/resources/StaffUser/records/${targetId}/edit`,
      { ...PANEL_SCRIPT, origin: h.url, 'content-type': 'application/json' },
      'POST',
      JSON.stringify({ display_name: payload }),
    );
    expect(edit.status).toBe(200);
    expect(JSON.stringify(await edit.json())).toMatch(/"display_name":\{"message":"wrong format"/);
    await expect(
      s.staff.create(
        {
          email: 'markup@salon.test',
          displayName: 'A <b>bold</b> name',
          role: 'master',
          password: PASSWORD,
        },
        SYSTEM,
      ),
    ).rejects.toMatchObject({ field: 'displayName', code: 'format' });
    const stored = await h.t.db
      .selectFrom('staff_users')
      .select('display_name')
      .where('id', '=', targetId)
      .executeTakeFirstOrThrow();
    expect(stored.display_name).toBe('manager');

    // A name stored before this rule (or written past the service) is still only text: the
    // state AdminJS writes into the page has `<` escaped.
    await h.t.db
      .updateTable('staff_users')
      .set({ display_name: payload })
      .where('id', '=', targetId)
      .execute();
    const victim = await h.login(target);
    const html = await (await h.get('/admin', victim)).text();
    const state = /window\.REDUX_STATE = (.*);\n\s*window\.THEME = /.exec(html)?.[1] ?? '';
    expect(state).toContain('Anna\\u003c/script\\u003e\\u003cscript\\u003ealert(1)');
    expect(JSON.parse(state).session.title).toBe(payload);
    expect(html).not.toContain('<script>alert(1)');
    expect(html.match(/<script[\s>]/g)?.length).toBe(
      (await (await h.get('/admin', owner)).text()).match(/<script[\s>]/g)?.length,
    );
  });

  it.runIf(browserAvailable())(
    'finding 5: in the browser, the name shows as text and runs nothing',
    async () => {
      const payload = 'Anna</script><script>alert(1)</script>';
      const email = await h.addStaff('manager');
      await h.t.db
        .updateTable('staff_users')
        .set({ display_name: payload })
        .where('email', '=', email)
        .execute();
      const browser = await launchBrowser();
      try {
        const page = await h.browserLogin(browser, email);
        const dialogs: string[] = [];
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        for (const path of ['/admin', '/admin/resources/Client']) {
          await page.goto(`${h.url}${path}`);
          await expect.poll(() => page.textContent('body')).toContain(payload);
        }
        await screenshot(page, 'hardening-display-name-as-text');
        expect(dialogs).toEqual([]);
        // No script element of the payload's own, apart from the state that holds it as text.
        expect(
          await page.evaluate(() =>
            Array.from(document.scripts).some(
              (e) => !e.src && e.textContent?.trim() === 'alert(1)',
            ),
          ),
        ).toBe(false);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
