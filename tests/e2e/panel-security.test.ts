import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertAccessChecks, panelResources } from '../../src/admin/panel/admin-panel.js';
import { buildServer } from '../../src/admin/web/server.js';
import { CatalogueService } from '../../src/domain/booking/catalogue-service.js';
import { createServices } from '../../src/runtime.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';

/** Sends a path exactly as written (fetch would normalise `..` and `//` away). */
function rawGet(
  base: string,
  path: string,
  cookie?: string,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path, method: 'GET', headers: cookie ? { cookie } : {} },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('panel security', () => {
  const h = new PanelHarness();
  let ownerEmail = '';
  beforeAll(async () => {
    await h.setUp();
    ownerEmail = await h.addStaff('owner');
    await h.clients.create({ name: 'Secret Person', phone: '+79161112233' }, SYSTEM);
  });
  afterAll(() => h.tearDown());

  it('answers health and readiness', async () => {
    expect((await h.get('/healthz')).status).toBe(200);
    expect(await (await h.get('/readyz')).json()).toEqual({ ok: true });
  });

  it('(1) guards every panel route on the path, whatever the URL carries', async () => {
    const attempts = [
      '/admin/api/resources/Client/actions/list?x=/frontend/assets/x.svg',
      '/admin/api/resources/Client/actions/list?/admin/frontend/assets/app.bundle.js',
      '/admin/api/resources/Client/actions/list#/frontend/assets/logo.svg',
      '/admin/frontend/assets/../api/resources/Client/actions/list',
      '/admin/frontend/assets/%2e%2e/api/resources/Client/actions/list',
      '/admin/api/resources/Client/actions/list/%2E%2E%2Ffrontend%2Fassets%2Fx.svg',
      '/admin//api/resources/Client/actions/list',
      '/admin/api/resources/Client/actions/list%00/frontend/assets/x.svg',
      '/admin/api/resources/Client/records/x/show?frontend/assets/logo.svg',
      '/admin/login/../api/resources/Client/actions/list',
      '/admin/resources/Client',
      '/admin',
    ];
    for (const path of attempts) {
      const { status, body } = await rawGet(h.url, path);
      // 403: an API call that does not come from the panel's own pages (finding 1 of #17).
      expect([302, 400, 401, 403, 404], path).toContain(status);
      expect(body, path).not.toContain('Secret Person');
      expect(body, path).not.toContain('79161112233');
    }
    expect((await rawGet(h.url, '/admin/frontend/assets/logo.svg')).status).toBe(200);
    expect((await rawGet(h.url, '/admin/login')).status).toBe(200);
  });

  it('(2) refuses to build a panel with an asynchronous, missing or open access check', () => {
    const resources = panelResources({
      db: h.t.db,
      crypto: h.crypto,
      ...createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger }),
    });
    expect(() => assertAccessChecks(resources)).not.toThrow();
    const first = resources[0];
    if (!first) throw new Error('no resources');
    const withAsync = {
      ...first,
      options: {
        ...first.options,
        actions: { ...first.options.actions, list: { isAccessible: async () => false } },
      },
    } as unknown as typeof first;
    expect(() => assertAccessChecks([withAsync])).toThrow(/synchronously/);
    const withMissing = {
      ...first,
      options: { ...first.options, actions: { ...first.options.actions, show: {} } },
    };
    expect(() => assertAccessChecks([withMissing])).toThrow(/no isAccessible/);
    const open = {
      ...first,
      options: {
        ...first.options,
        actions: { ...first.options.actions, edit: { isAccessible: () => true } },
      },
    };
    expect(() => assertAccessChecks([open])).toThrow(/anonymous/);
  });

  it('(2) denies by role, through the JSON API', async () => {
    const analyst = await h.login(await h.addStaff('analyst'));
    const master = await h.login(await h.addStaff('master'));
    const manager = await h.login(await h.addStaff('manager'));
    for (const cookie of [analyst, master]) {
      const response = await h.get('/admin/api/resources/Client/actions/list', cookie);
      const body = await response.text();
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(body).not.toContain('Secret Person');
      const staffList = await h.get('/admin/api/resources/StaffUser/actions/list', cookie);
      expect(staffList.status).toBeGreaterThanOrEqual(400);
    }
    const allowed = await h.get('/admin/api/resources/Client/actions/list', manager);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('Secret Person');
    expect(
      (await h.get('/admin/api/resources/AuditEntry/actions/list', manager)).status,
    ).toBeGreaterThanOrEqual(400);
  });

  it('(3) strips fields a role may not see on the server, not just in the page', async () => {
    const owner = await h.login(ownerEmail);
    const response = await h.get('/admin/api/resources/StaffUser/actions/list', owner);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain(ownerEmail);
    for (const hidden of [
      'password_hash',
      'argon2id',
      'failed_logins',
      'locked_until',
      'telegram_user_id',
    ]) {
      expect(body).not.toContain(hidden);
    }
    const clients = await (await h.get('/admin/api/resources/Client/actions/list', owner)).text();
    expect(clients).toContain('+79161112233');
    expect(clients).not.toContain('data_key');
  });

  it('(4) renews the session id at login, with safe cookie flags, stored in PostgreSQL', async () => {
    const before = await h.get('/admin/resources/Client');
    const planted = (before.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(planted).toMatch(/^clientele_session=/);
    const response = await fetch(`${h.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: h.url,
        cookie: planted,
      },
      body: new URLSearchParams({
        email: ownerEmail,
        password: 'correct horse battery staple',
      }).toString(),
    });
    expect(response.status).toBe(302);
    const setCookie = response.headers.get('set-cookie') ?? '';
    const fresh = setCookie.split(';')[0] ?? '';
    expect(fresh).not.toBe(planted);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/admin/i);
    expect((await h.get('/admin/api/resources/Client/actions/list', planted)).status).toBe(401);
    expect((await h.get('/admin/api/resources/Client/actions/list', fresh)).status).toBe(200);
    const sessions = await h.t.db.selectFrom('admin_sessions').select('sid').execute();
    expect(sessions.length).toBeGreaterThan(0);
    const count = sessions.length;
    await h.get('/admin/logout', fresh);
    expect((await h.get('/admin/api/resources/Client/actions/list', fresh)).status).toBe(401);
    expect((await h.t.db.selectFrom('admin_sessions').select('sid').execute()).length).toBeLessThan(
      count,
    );
  });

  it('(4) marks the cookie Secure behind https', async () => {
    const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    const app = await buildServer({
      config: {
        // Behind https means behind a proxy, which must be trusted for its X-Forwarded-Proto.
        http: {
          port: 0,
          host: '127.0.0.1',
          publicUrl: 'https://crm.example',
          cookieSecure: true,
          trustProxy: ['127.0.0.1'],
        },
      },
      logger: silentLogger,
      db: h.t.db,
      crypto: h.crypto,
      clients: h.clients,
      messages: s.messages,
      cards: h.cards,
      catalogue: new CatalogueService(h.t.db),
      booking: s.booking,
      visits: s.visits,
      loyalty: s.loyalty,
      staff: h.staff,
    });
    const response = await app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://crm.example',
        host: 'crm.example',
        'x-forwarded-proto': 'https',
      },
      payload: new URLSearchParams({
        email: ownerEmail,
        password: 'correct horse battery staple',
      }).toString(),
    });
    expect(response.statusCode).toBe(302);
    expect(String(response.headers['set-cookie'])).toMatch(/Secure/);
    expect(String(response.headers['strict-transport-security'])).toMatch(/max-age/);
    await app.close();
  });

  it('(5) refuses forged cross-site and origin-less posts', async () => {
    const owner = await h.login(ownerEmail);
    const post = (headers: Record<string, string>) =>
      fetch(`${h.url}/admin/api/resources/Client/actions/new`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json', cookie: owner, ...headers },
        body: JSON.stringify({ name: 'Forged Client' }),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ origin: h.url, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await h.clients.findByName('Forged Client')).length).toBe(0);
    const ok = await post({ origin: h.url });
    expect(ok.status).toBe(200);
    expect((await h.clients.findByName('Forged Client')).length).toBe(1);
    const forgedLogin = await fetch(`${h.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: 'email=x@y.z&password=whatever',
    });
    expect(forgedLogin.status).toBe(403);
  });

  it('(5) refuses a cross-site link to an API action (AdminJS runs record actions with GET)', async () => {
    const owner = await h.login(await h.addStaff('owner'));
    const client = await h.clients.create({ name: 'Linked Away', phone: '+79161230001' }, SYSTEM);
    const before = await h.cards.activeCard(client.id);
    const visit = (site: string) =>
      fetch(`${h.url}/admin/api/resources/Client/records/${client.id}/reissueCard`, {
        redirect: 'manual',
        headers: { cookie: owner, 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate' },
      });
    expect((await visit('cross-site')).status).toBe(403);
    expect((await visit('same-site')).status).toBe(403);
    expect(await h.cards.activeCard(client.id)).toBe(before);
    // The panel's own page loads the action with GET, which never runs it; its POST does.
    expect((await visit('same-origin')).status).toBe(200);
    expect(await h.cards.activeCard(client.id)).toBe(before);
    const posted = await fetch(
      `${h.url}/admin/api/resources/Client/records/${client.id}/reissueCard`,
      {
        method: 'POST',
        headers: { cookie: owner, origin: h.url, 'content-type': 'application/json' },
        body: '{}',
      },
    );
    expect(posted.status).toBe(200);
    expect(await h.cards.activeCard(client.id)).not.toBe(before);
  });

  it('finds a client by loyalty card number, phone or name from one search box', async () => {
    const owner = await h.login(await h.addStaff('owner'));
    const client = await h.clients.create({ name: 'Card Search', phone: '+79161239876' }, SYSTEM);
    const number = await h.cards.activeCard(client.id);
    const search = async (q: string) =>
      (await (
        await h.get(
          `/admin/api/resources/Client/actions/list?filters.name=${encodeURIComponent(q)}`,
          owner,
        )
      ).json()) as {
        records: { params: { name: string } }[];
      };
    expect((await search(number)).records.map((r) => r.params.name)).toEqual(['Card Search']);
    expect(
      (await search(number.replace(/(\d{3})(\d{3})/, '$1 $2 '))).records.map((r) => r.params.name),
    ).toEqual(['Card Search']);
    expect((await search('+7 916 123-98-76')).records.map((r) => r.params.name)).toEqual([
      'Card Search',
    ]);
    expect((await search('search card')).records.map((r) => r.params.name)).toEqual([
      'Card Search',
    ]);
    expect((await search("'; drop table clients;--")).records).toEqual([]);
  });

  it('turns domain validation errors into field errors and stores nothing', async () => {
    const owner = await h.login(await h.addStaff('owner'));
    const before = await h.clients.count();
    const response = await fetch(`${h.url}/admin/api/resources/Client/actions/new`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner, origin: h.url },
      body: JSON.stringify({ name: 'Valid Name', phone: 'not a phone' }),
    });
    const body = (await response.json()) as {
      record?: { errors?: Record<string, { message: string }> };
    };
    expect(body.record?.errors?.phone?.message).toBe('invalid value');
    expect(await h.clients.count()).toBe(before);
  });
  // Last: it spends this address's login budget.
  it('(5) throttles logins per address', async () => {
    const email = await h.addStaff('admin');
    const attempt = () =>
      fetch(`${h.url}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: h.url },
        body: new URLSearchParams({ email, password: 'wrong password here' }).toString(),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt()).status);
    expect(statuses).toContain(429);
  });
});
