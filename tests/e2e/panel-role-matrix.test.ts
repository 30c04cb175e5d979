import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  can,
  canCallRoute,
  canOpenPage,
  PANEL_ACTIONS,
  PANEL_PAGES,
  PANEL_RESOURCES,
  PANEL_ROUTES,
  type PanelResource,
  RECORD_ACTIONS,
  visibleFields,
} from '../../src/admin/panel/access.js';
import { createAdmin } from '../../src/admin/panel/admin-panel.js';
import { buildServer } from '../../src/admin/web/server.js';
import type { StaffRole } from '../../src/db/schema.js';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { SourceService } from '../../src/domain/onboarding/sources.js';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { setSetting } from '../../src/domain/settings.js';
import { createServices } from '../../src/runtime.js';
import { silentLogger } from '../helpers/fixtures.js';
import { panelText } from '../helpers/panel-text.js';
import { addBranch, SYSTEM, seedSalon } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';

const ROLES: StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];
const SECRET_NAME = 'Секретова Тайна';
const SECRET_PHONE = '+79165550101';

/** Which resource a reference field points to (for records AdminJS populates). */
const REFERENCES: Record<string, PanelResource> = {
  branch_id: 'Branch',
  homeBranchId: 'Branch',
  staff_user_id: 'StaffUser',
  client_id: 'Client',
};

/** An empty form of a resource's first field (AdminJS echoes what was posted). */
const EMPTY_FORM: Partial<Record<PanelResource, string>> = {
  Coupon: 'percent=',
  Master: 'display_name=',
  StaffUser: 'email=',
};

/** Every params object in an AdminJS API answer, with the resource it belongs to. */
function paramsIn(body: unknown, resource: PanelResource = 'Client'): Record<string, unknown>[] {
  return recordsIn(body, resource).map((r) => r.params);
}

function recordsIn(body: unknown, resource: PanelResource) {
  const out: { resource: PanelResource; params: Record<string, unknown> }[] = [];
  const walk = (v: unknown, owner: PanelResource) => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.params && typeof o.params === 'object')
      out.push({ resource: owner, params: o.params as Record<string, unknown> });
    for (const [key, value] of Object.entries(o)) {
      if (key === 'populated' && value && typeof value === 'object') {
        for (const [field, record] of Object.entries(value as Record<string, unknown>))
          walk(record, REFERENCES[field] ?? owner);
      } else walk(value, owner);
    }
  };
  walk(body, resource);
  return out;
}

describe('panel: every role × resource × action, through the API and the pages', () => {
  const h = new PanelHarness();
  const cookies = new Map<StaffRole, string>();
  const users = new Map<StaffRole, { id: string; email: string }>();
  const ids = {} as Record<PanelResource, string>;
  let foreignVisit = '';

  beforeAll(async () => {
    await h.setUp();
    const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    const branch = await addBranch(s);
    for (const role of ROLES) {
      const email = await h.addStaff(role);
      const staff = await h.t.db
        .selectFrom('staff_users')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      await h.t.db
        .updateTable('staff_users')
        .set({ branch_id: branch })
        .where('id', '=', staff.id)
        .execute();
      users.set(role, { id: staff.id, email });
      cookies.set(role, await h.login(email));
    }
    const salon = await seedSalon(s, {
      branchId: branch,
      masters: [{ name: 'Своя', staffUserId: users.get('master')?.id ?? null }, { name: 'Чужая' }],
    });
    const service = salon.service;
    const [own = '', other = ''] = salon.masters;
    const client = await s.clients.create(
      { name: SECRET_NAME, phone: SECRET_PHONE, allergies: 'пыльца', notes: 'тихая' },
      SYSTEM,
    );
    await recordConsents(h.t.db, client.id, [{ purpose: 'health_data', granted: true }], 'panel');
    const now = new Date('2030-01-07T06:00:00Z');
    const mine = await s.booking.book(
      {
        clientId: client.id,
        serviceId: service,
        masterId: own,
        startsAt: new Date('2030-01-07T08:00:00Z'),
        channel: 'panel',
      },
      SYSTEM,
      now,
    );
    const theirs = await s.booking.book(
      {
        clientId: client.id,
        serviceId: service,
        masterId: other,
        startsAt: new Date('2030-01-07T10:00:00Z'),
        channel: 'panel',
      },
      SYSTEM,
      now,
    );
    foreignVisit = theirs.id;
    await enqueueMessage(h.t.db, h.crypto, {
      dedupeKey: 'x',
      chatId: 1,
      clientId: client.id,
      kind: 'reminder',
      message: { text: SECRET_NAME },
    });
    ids.Client = client.id;
    ids.Branch = branch;
    ids.Service = service;
    ids.Master = own;
    ids.Visit = mine.id;
    ids.StaffUser = users.get('owner')?.id ?? '';
    ids.AuditEntry = (
      await h.t.db.selectFrom('audit_log').select('id').executeTakeFirstOrThrow()
    ).id;
    ids.OutboxMessage = (
      await h.t.db.selectFrom('outbox').select('id').executeTakeFirstOrThrow()
    ).id;
    ids.Holiday = (await h.t.db.selectFrom('holidays').select('id').executeTakeFirstOrThrow()).id;
    ids.AcquisitionSource = await new SourceService(h.t.db).create(
      { name: 'Instagram', linkCode: 'insta' },
      SYSTEM,
    );
    ids.Coupon = (
      await s.loyalty.issueManualCoupon(
        {
          clientId: client.id,
          percent: 10,
          validFrom: new Date(),
          validUntil: new Date(Date.now() + 30 * 86_400_000),
          categories: [],
        },
        SYSTEM,
      )
    ).id;
    ids.LoyaltyCard = await s.cards.activeCard(client.id);
  });
  afterAll(() => h.tearDown());

  const path = (resource: PanelResource, action: string) => {
    const base = `/admin/api/resources/${resource}`;
    switch (action) {
      case 'list':
        return `${base}/actions/list`;
      case 'search':
        return `${base}/actions/search/${encodeURIComponent('Секретова')}`;
      case 'new':
        return `${base}/actions/new`;
      case 'bulkDelete':
        return `${base}/bulk/bulkDelete?recordIds=${ids[resource]}`;
      default:
        return `${base}/records/${ids[resource]}/${action}`;
    }
  };

  for (const role of ROLES)
    for (const resource of PANEL_RESOURCES)
      for (const action of PANEL_ACTIONS) {
        const user = () => ({
          id: users.get(role)?.id,
          email: 'x',
          role,
          title: role,
          locale: 'en',
        });
        it(`${role} · ${resource} · ${action}`, async () => {
          const allowed = can(user(), resource, action);
          // AdminJS's "new" runs only on POST: an empty form, refused by validation, creates nothing.
          const response =
            action === 'new'
              ? await fetch(`${h.url}${path(resource, action)}`, {
                  method: 'POST',
                  headers: {
                    cookie: cookies.get(role) ?? '',
                    origin: h.url,
                    'content-type': 'application/x-www-form-urlencoded',
                  },
                  body: EMPTY_FORM[resource] ?? 'name=',
                })
              : await h.get(path(resource, action), cookies.get(role));
          const text = await response.text();
          if (!allowed) {
            expect(response.status).toBe(403);
            expect(text).not.toContain(SECRET_NAME);
            expect(text).not.toContain(SECRET_PHONE);
            return;
          }
          expect(response.status).toBe(200);
          for (const record of recordsIn(JSON.parse(text), resource)) {
            const fields = visibleFields(user(), record.resource);
            for (const key of Object.keys(record.params))
              expect(fields.has(key.split('.')[0] ?? key), `${record.resource}.${key}`).toBe(true);
          }
          if (role === 'master') expect(text).not.toContain(SECRET_PHONE);
          // An allowed look at a record really finds it (AdminJS answers 200 with a notice
          // when it cannot).
          if (action === 'show' || action === 'edit')
            expect(JSON.parse(text).record?.id, `${resource} ${action}`).toBe(
              String(ids[resource]),
            );
        });
      }

  const post = (path: string, role: StaffRole) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: {
        cookie: cookies.get(role) ?? '',
        origin: h.url,
        'content-type': 'application/json',
      },
      body: '{}',
    });

  it('visit actions: only the roles the table names; a master on their own visits only', async () => {
    for (const role of ROLES)
      for (const action of RECORD_ACTIONS) {
        const user = { id: users.get(role)?.id, email: 'x', role, title: role, locale: 'en' };
        if (can(user, 'Visit', action)) continue;
        const response = await post(
          `/admin/api/resources/Visit/records/${ids.Visit}/${action}`,
          role,
        );
        expect(response.status, `${role} ${action}`).toBe(403);
      }
    // The master's own visit has not begun: refused with a notice, nothing changes.
    const early = await (
      await post(`/admin/api/resources/Visit/records/${ids.Visit}/noShow`, 'master')
    ).json();
    expect(early.notice).toMatchObject({ type: 'error' });
    // Another master's visit is not found for this master.
    const foreign = await post(
      `/admin/api/resources/Visit/records/${foreignVisit}/complete`,
      'master',
    );
    expect(await foreign.text()).not.toContain('"type":"success"');
    expect(
      (
        await h.t.db
          .selectFrom('appointments')
          .select('status')
          .where('id', '=', foreignVisit)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('booked');
    // A manager cancels a visit of the branch.
    const cancelled = await (
      await post(`/admin/api/resources/Visit/records/${foreignVisit}/cancel`, 'manager')
    ).json();
    expect(cancelled.notice).toMatchObject({ type: 'success' });
    expect(cancelled.record.params.status).toBe('cancelled');
  });

  it('client and staff actions: denied where the table says, and doing what they say', async () => {
    const owned: Partial<Record<PanelResource, readonly string[]>> = {
      Client: ['reissueCard', 'erase'],
      StaffUser: ['linkCode', 'resetPassword'],
      OutboxMessage: ['retry'],
      Coupon: ['revoke'],
    };
    for (const role of ROLES)
      for (const [resource, actions] of Object.entries(owned) as [PanelResource, string[]][])
        for (const action of actions) {
          const user = { id: users.get(role)?.id, email: 'x', role, title: role, locale: 'en' };
          if (can(user, resource, action)) continue;
          const response = await post(
            `/admin/api/resources/${resource}/records/${ids[resource]}/${action}`,
            role,
          );
          expect(response.status, `${role} ${resource} ${action}`).toBe(403);
        }
    const before = await h.t.db
      .selectFrom('loyalty_cards')
      .selectAll()
      .where('client_id', '=', ids.Client)
      .execute();
    const reissued = await (
      await post(`/admin/api/resources/Client/records/${ids.Client}/reissueCard`, 'manager')
    ).json();
    expect(reissued.notice).toMatchObject({ type: 'success' });
    expect(panelText(reissued.notice)).toMatch(/^New card: \d{10}$/);
    expect(panelText(reissued.notice, 'ru')).toMatch(/^Новая карта: \d{10}$/);
    const after = await h.t.db
      .selectFrom('loyalty_cards')
      .selectAll()
      .where('client_id', '=', ids.Client)
      .execute();
    expect(after.length).toBeGreaterThan(before.length);
    const code = await (
      await post(
        `/admin/api/resources/StaffUser/records/${users.get('master')?.id}/linkCode`,
        'owner',
      )
    ).json();
    expect(panelText(code.notice)).toMatch(
      /^Send them: \/start staff_\S+ \(valid for a day, once\)$/,
    );
    const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    const leaving = await s.clients.create({ name: 'Уходящая', phone: '+79165550199' }, SYSTEM);
    const erased = await (
      await post(`/admin/api/resources/Client/records/${leaving.id}/erase`, 'admin')
    ).json();
    expect(erased.notice).toMatchObject({ type: 'success' });
    expect(await s.clients.findByPhone('+79165550199')).toEqual([]);
    // A message still waiting is not "retried"; an undeliverable one goes back in the queue.
    const retry = () =>
      post(`/admin/api/resources/OutboxMessage/records/${ids.OutboxMessage}/retry`, 'admin');
    expect((await (await retry()).json()).notice).toMatchObject({ type: 'error' });
    await h.t.db
      .updateTable('outbox')
      .set({ status: 'dead', attempts: 5, last_error: '403: Forbidden: bot was blocked' })
      .where('id', '=', ids.OutboxMessage)
      .execute();
    expect((await (await retry()).json()).notice).toMatchObject({ type: 'success' });
    expect(
      await h.t.db
        .selectFrom('outbox')
        .select(['status', 'attempts', 'last_error'])
        .where('id', '=', ids.OutboxMessage)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'pending', attempts: 0, last_error: null });
    expect(
      await h.t.db
        .selectFrom('audit_log')
        .select(['actor_id', 'entity'])
        .where('action', '=', 'retry')
        .execute(),
    ).toEqual([{ actor_id: users.get('admin')?.id, entity: 'outbox' }]);
  });

  it('pages carry no records: a denied role sees only the empty shell', async () => {
    for (const resource of PANEL_RESOURCES) {
      const page = await h.get(`/admin/resources/${resource}`, cookies.get('analyst'));
      const html = await page.text();
      expect(html).not.toContain(SECRET_NAME);
      expect(html).not.toContain(SECRET_PHONE);
    }
  });

  it("a master lists only their own visits, never another master's, and no phone", async () => {
    const list = await (
      await h.get('/admin/api/resources/Visit/actions/list', cookies.get('master'))
    ).json();
    const rows = paramsIn(list);
    expect(rows.map((r) => r.id)).toEqual([ids.Visit]);
    expect(rows[0]).toMatchObject({
      client: SECRET_NAME,
      clientAllergies: 'пыльца',
      service: 'Стрижка',
    });
    expect(rows[0]).not.toHaveProperty('clientPhone');
    const foreign = await h.get(
      `/admin/api/resources/Visit/records/${foreignVisit}/show`,
      cookies.get('master'),
    );
    expect(await foreign.text()).not.toContain(foreignVisit.slice(0, 8) === '' ? 'x' : 'Чужая');
    const managerList = paramsIn(
      await (await h.get('/admin/api/resources/Visit/actions/list', cookies.get('manager'))).json(),
    );
    expect(managerList).toHaveLength(2);
    expect(managerList[0]).toHaveProperty('clientPhone', SECRET_PHONE);
    // Where the salon allows it, masters see the phone too.
    await setSetting(h.t.db, 'panel.master_sees_phone', true);
    const withPhone = paramsIn(
      await (await h.get('/admin/api/resources/Visit/actions/list', cookies.get('master'))).json(),
    );
    expect(withPhone[0]).toHaveProperty('clientPhone', SECRET_PHONE);
    await setSetting(h.t.db, 'panel.master_sees_phone', false);
  });

  const asUser = (role: StaffRole) => ({
    id: users.get(role)?.id,
    email: 'x',
    role,
    title: role,
    locale: 'en',
  });

  it('pages: every registered page opens for the roles its rule names and no other', async () => {
    for (const role of ROLES)
      for (const page of PANEL_PAGES) {
        const response = await h.get(`/admin/api/pages/${page}`, cookies.get(role));
        const allowed = canOpenPage(asUser(role), page);
        expect(response.status, `${role} GET ${page}`).toBe(allowed ? 200 : 403);
        if (!canOpenPage(asUser(role), page, 'POST')) {
          const changed = await post(`/admin/api/pages/${page}`, role);
          expect(changed.status, `${role} POST ${page}`).toBe(403);
        }
      }
    // Nobody logged in: the page's API asks for a login.
    expect((await h.get(`/admin/api/pages/${PANEL_PAGES[0]}`)).status).toBe(401);
  });

  it('routes: every registered route answers the roles its rule names and refuses the rest', async () => {
    const value: Record<string, string> = {
      ':id': ids.Client,
      ':name': 'nothing.tar',
      ':format': 'csv',
      ':messageId': '1',
    };
    let walked = 0;
    for (const route of PANEL_ROUTES) {
      // The sandbox's routes exist only without BOT_TOKEN (their own test walks them).
      if (!h.app.hasRoute({ method: route.method as 'GET', url: route.url })) continue;
      walked++;
      const url = route.url
        .replace(/:(id|name|messageId)\b/g, (m) => value[m] ?? m)
        .replace(/\.:format$/, '.csv')
        .replace(/^\/admin\/visits\/[^/]+/, `/admin/visits/${ids.Visit}`);
      for (const role of ROLES) {
        const allowed = canCallRoute(asUser(role), route.method, route.url);
        const label = `${role} ${route.method} ${route.url}`;
        if (route.method === 'GET') {
          const response = await h.get(url, cookies.get(role));
          if (allowed) expect([401, 403], label).not.toContain(response.status);
          else expect(response.status, label).toBe(403);
          const text = await response.text();
          if (!allowed) expect(text, label).not.toContain(SECRET_NAME);
        } else if (!allowed) {
          // State-changing routes are walked for refusals only: the screens' own tests post
          // real forms to them.
          const response = await fetch(`${h.url}${url}`, {
            method: route.method,
            headers: {
              cookie: cookies.get(role) ?? '',
              origin: h.url,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: 'x=1',
          });
          expect(response.status, label).toBe(403);
        }
      }
    }
    expect(walked).toBeGreaterThan(5);
  });

  it('a route not in the table is refused for everyone, and stops the panel if added', async () => {
    for (const role of ROLES) expect(canCallRoute(asUser(role), 'GET', '/admin/stray')).toBe(false);
    expect(canCallRoute(undefined, 'GET', '/admin/password')).toBe(false);
    await expect(
      buildServer({
        ...h.serverDeps,
        sandbox: {
          chatApi: '/admin/sandbox/api',
          registerPages: (scope) => {
            scope.get('/admin/stray', async () => ({ secret: SECRET_NAME }));
          },
        },
      }),
    ).rejects.toThrow('route GET /admin/stray has no rule in the access table');
  });

  it('a page passed to AdminJS without a rule stops the panel', () => {
    expect(() => createAdmin([], { stray: { component: 'Backups' } })).toThrow(
      'page "stray" has no rule in the access table',
    );
    expect(() => createAdmin([], { backups: { component: 'Backups' } })).not.toThrow();
  });

  it('the password form answers a hostile body with a 400 on the field, changing nothing', async () => {
    const response = await fetch(`${h.url}/admin/password`, {
      method: 'POST',
      headers: {
        cookie: cookies.get('master') ?? '',
        origin: h.url,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ current: 'x', next: 'y'.repeat(5000), repeat: 'z' }).toString(),
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('id="next" name="next" type="password"');
    expect(html).toMatch(/id="next"[^>]*aria-invalid="true"/);
    expect(html).not.toContain('yyyy');
    // The account still logs in with its password.
    expect(await h.login(users.get('master')?.email ?? '')).toContain('clientele_session=');
  });
});
