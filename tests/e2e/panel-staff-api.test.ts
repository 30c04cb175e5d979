import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffRole } from '../../src/db/schema.js';
import { panelText } from '../helpers/panel-text.js';
import { PanelHarness } from './panel-harness.js';

const ROLES: StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];
const API = '/admin/api/resources/StaffUser';

describe('panel: staff accounts through the JSON API', () => {
  const h = new PanelHarness();
  const cookies = new Map<StaffRole, string>();
  const ids = new Map<StaffRole, string>();

  const idOf = async (email: string) =>
    (
      await h.t.db
        .selectFrom('staff_users')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirstOrThrow()
    ).id;

  const post = async (path: string, cookie: string, form: Record<string, string> = {}) => {
    const response = await fetch(`${h.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        origin: h.url,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  };

  beforeAll(async () => {
    await h.setUp();
    for (const role of ROLES) {
      const email = await h.addStaff(role);
      ids.set(role, await idOf(email));
      cookies.set(role, await h.login(email));
    }
  });
  afterAll(() => h.tearDown());

  const cookie = (role: StaffRole) => cookies.get(role) ?? '';
  const id = (role: StaffRole) => ids.get(role) ?? '';

  it('manager, master and analyst get 403 for every staff action', async () => {
    for (const role of ['manager', 'master', 'analyst'] as const) {
      const target = id('master');
      const calls = [
        post(`${API}/actions/new`, cookie(role), { email: 'x@salon.test' }),
        post(`${API}/records/${target}/edit`, cookie(role), { display_name: 'X' }),
        post(`${API}/records/${target}/resetPassword`, cookie(role)),
        post(`${API}/records/${target}/linkCode`, cookie(role)),
        h.get(`${API}/actions/list`, cookie(role)).then((r) => ({ status: r.status })),
      ];
      for (const response of await Promise.all(calls)) expect(response.status, role).toBe(403);
    }
    expect(await h.t.db.selectFrom('staff_users').select('id').execute()).toHaveLength(5);
  });

  it('an admin is refused on an owner: edit, new password, link code', async () => {
    const owner = id('owner');
    const before = await h.t.db
      .selectFrom('staff_users')
      .selectAll()
      .where('id', '=', owner)
      .executeTakeFirstOrThrow();
    const edit = await post(`${API}/records/${owner}/edit`, cookie('admin'), {
      display_name: 'Taken over',
      role: 'owner',
    });
    expect(edit.status).toBe(200);
    expect(edit.json().record.errors.role.message).toBe('only an owner may do this for an owner');
    for (const action of ['resetPassword', 'linkCode']) {
      const response = await post(`${API}/records/${owner}/${action}`, cookie('admin'));
      expect(response.status).toBe(200);
      expect(response.json().notice).toMatchObject({ type: 'error' });
      expect(panelText(response.json().notice)).toBe('Only an owner may do this for an owner.');
    }
    // Nor may an admin make an owner, or promote anyone to owner.
    const made = await post(`${API}/actions/new`, cookie('admin'), {
      email: 'boss@salon.test',
      display_name: 'Boss',
      role: 'owner',
    });
    expect(made.json().record.errors.role.type).toBe('owner-only');
    const promote = await post(`${API}/records/${id('master')}/edit`, cookie('admin'), {
      role: 'owner',
    });
    expect(promote.json().record.errors.role.type).toBe('owner-only');
    const after = await h.t.db
      .selectFrom('staff_users')
      .selectAll()
      .where('id', '=', owner)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect(await h.t.db.selectFrom('staff_link_tokens').selectAll().execute()).toEqual([]);
    expect(
      await h.t.db
        .selectFrom('staff_users')
        .select('id')
        .where('email', '=', 'boss@salon.test')
        .execute(),
    ).toEqual([]);
    // An admin manages a master.
    const renamed = await post(`${API}/records/${id('master')}/edit`, cookie('admin'), {
      display_name: 'Мастер Ольга',
    });
    expect(renamed.json().notice.type).toBe('success');
  });

  it('an owner creates a master, the new one-time password logs in and must be changed', async () => {
    const bad = await post(`${API}/actions/new`, cookie('owner'), {
      email: 'not an e-mail',
      display_name: 'New',
      role: 'master',
    });
    expect(bad.json().record.errors.email.message).toBe('invalid value');
    const hostile = await post(`${API}/actions/new`, cookie('owner'), {
      email: 'new@salon.test',
      display_name: 'x'.repeat(10_000),
      role: 'superuser',
    });
    expect(Object.keys(hostile.json().record.errors)).toEqual(['display_name']);
    const created = await post(`${API}/actions/new`, cookie('owner'), {
      email: 'New.Master@Salon.test',
      display_name: 'Новая',
      role: 'master',
      locale: 'en',
    });
    const body = created.json();
    expect(body.notice.type).toBe('success');
    expect(body.record.params).toMatchObject({
      email: 'new.master@salon.test',
      role: 'master',
      locale: 'en',
      active: true,
    });
    expect(body.record.params).not.toHaveProperty('password_hash');
    expect(created.text).not.toMatch(/password_hash|"password"|\$argon2/);
    const newId = String(body.record.params.id);
    const taken = await post(`${API}/actions/new`, cookie('owner'), {
      email: 'new.master@salon.test',
      display_name: 'Again',
      role: 'master',
    });
    expect(taken.json().record.errors.email.type).toBe('taken');

    const reset = await post(`${API}/records/${newId}/resetPassword`, cookie('owner'));
    const notice = reset.json().notice;
    expect(notice.type).toBe('success');
    const password = /New one-time password: (\S+) /.exec(panelText(notice))?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(12);
    const session = await h.login('new.master@salon.test', password);
    const page = await h.get('/admin', session);
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/admin/password');
    expect((await h.get('/admin/api/resources/Visit/actions/list', session)).status).toBe(403);
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'details'])
      .where('entity_id', '=', newId)
      .orderBy('id')
      .execute();
    expect(audit.slice(0, 2)).toEqual([
      { action: 'create', actor_id: id('owner'), details: { role: 'master' } },
      { action: 'reset_password', actor_id: id('owner'), details: {} },
    ]);
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it('a password reset ends the sessions opened with the old password', async () => {
    const email = await h.addStaff('manager');
    const old = await h.login(email);
    expect((await h.get('/admin/api/resources/Client/actions/list', old)).status).toBe(200);
    const staff = await h.t.db
      .selectFrom('staff_users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    const reset = await post(`${API}/records/${staff.id}/resetPassword`, cookie('owner'));
    expect(reset.json().notice.type).toBe('success');
    expect((await h.get('/admin/api/resources/Client/actions/list', old)).status).toBe(401);
  });

  it('the e-mail stays as created; deactivation logs the person out; self-changes are refused', async () => {
    const target = id('analyst');
    const edited = await post(`${API}/records/${target}/edit`, cookie('owner'), {
      email: 'changed@salon.test',
      display_name: 'Аналитик',
      locale: 'ru',
    });
    expect(edited.json().record.params.email).not.toBe('changed@salon.test');
    expect(edited.json().record.params.locale).toBe('ru');
    const badId = await post(`${API}/records/not-a-uuid/edit`, cookie('owner'), {
      display_name: 'x',
    });
    expect(badId.text).not.toContain('"type":"success"');

    expect(
      (await h.get('/admin/api/resources/Client/actions/list', cookie('manager'))).status,
    ).toBe(200);
    const off = await post(`${API}/records/${id('manager')}/edit`, cookie('owner'), {
      active: 'false',
    });
    expect(off.json().notice.type).toBe('success');
    expect(
      (await h.get('/admin/api/resources/Client/actions/list', cookie('manager'))).status,
    ).toBe(401);

    const self = await post(`${API}/records/${id('owner')}/edit`, cookie('owner'), {
      active: 'false',
      role: 'admin',
    });
    expect(self.json().record.errors).toHaveProperty('role');
    const selfOff = await post(`${API}/records/${id('admin')}/edit`, cookie('admin'), {
      active: 'false',
    });
    expect(selfOff.json().record.errors.active.type).toBe('self');
    // The only owner stays one, whoever asks.
    const last = await post(`${API}/records/${id('owner')}/edit`, cookie('admin'), {
      active: 'false',
    });
    expect(last.json().record.errors.role.type).toBe('owner-only');
    expect((await h.staff.getById(id('owner')))?.active).toBe(true);
  });
});
