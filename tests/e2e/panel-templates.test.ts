import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setSetting } from '../../src/domain/settings.js';
import { PanelHarness } from './panel-harness.js';

const SYSTEM = { type: 'system' as const, id: null };

describe('panel: greeting texts, holidays and client sources', () => {
  const h = new PanelHarness();
  const cookies: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await h.setUp();
    for (const role of ['owner', 'admin', 'manager', 'master', 'analyst'] as const) {
      const email = await h.addStaff(role);
      ids[role] = (
        await h.t.db
          .selectFrom('staff_users')
          .select('id')
          .where('email', '=', email)
          .executeTakeFirstOrThrow()
      ).id;
      cookies[role] = await h.login(email);
    }
  });
  afterAll(() => h.tearDown());

  const post = (path: string, role: string, form: Record<string, string>) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: cookies[role] ?? '',
        origin: h.url,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
  const template = (role: string, form: Record<string, string>) =>
    post('/admin/templates', role, { key: 'birthday', locale: 'en', ...form });
  const outboxTests = () =>
    h.t.db
      .selectFrom('outbox')
      .select(['chat_id', 'client_id'])
      .where('kind', '=', 'template-test')
      .execute();

  it('shows every text to owners and admins only; others get 403, strangers the login', async () => {
    for (const role of ['owner', 'admin']) {
      const page = await h.get('/admin/templates', cookies[role]);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Greeting texts');
      // Birthday, win-back and the five default holidays, in two languages each.
      expect(html.match(/<form method="post"/g)).toHaveLength(14);
      expect(html).toContain('Holiday: 8 марта');
    }
    for (const role of ['manager', 'master', 'analyst']) {
      expect((await h.get('/admin/templates', cookies[role])).status).toBe(403);
      expect((await template(role, { op: 'save', body: 'Hi {name}' })).status).toBe(403);
    }
    const anonymous = await h.get('/admin/templates');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/admin/login');
    // Posted from another site (or with no origin at all): refused before the page runs.
    const forged = await fetch(`${h.url}/admin/templates`, {
      method: 'POST',
      headers: { cookie: cookies.owner ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'key=birthday&locale=en&op=save&body=x',
    });
    expect(forged.status).toBe(403);
  });

  it('refuses unknown placeholders, long, empty and hostile texts, keeping what was typed', async () => {
    const before = await h.t.db.selectFrom('message_templates').selectAll().execute();
    const typo = await template('owner', { op: 'save', body: 'Hi {nmae}, see <b>you</b>' });
    expect(typo.status).toBe(400);
    const html = await typo.text();
    expect(html).toContain('Unknown placeholders: {nmae}. Allowed: {name}, {discount}');
    expect(html).toContain('Hi {nmae}, see &lt;b&gt;you&lt;/b&gt;</textarea>');
    const long = await template('owner', { op: 'save', body: 'x'.repeat(2500) });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('The text is too long: 2500 characters, at most 2000.');
    const huge = await template('owner', { op: 'preview', body: 'y'.repeat(200_000) });
    expect(huge.status).toBe(400);
    expect((await huge.text()).length).toBeLessThan(60_000);
    const empty = await template('owner', { op: 'save', body: '   ' });
    expect(await empty.text()).toContain('The text is empty.');
    const hostile = await template('owner', {
      op: 'preview',
      body: '<script>alert(1)</script> {name} {{coupon}}',
    });
    const hostileHtml = await hostile.text();
    expect(hostileHtml).not.toContain('<script>alert(1)</script>');
    for (const [key, locale] of [
      ['holiday:../../etc', 'en'],
      ['birthday', 'de'],
      ['holiday:00000000-0000-0000-0000-000000000000', 'ru'],
    ])
      expect(
        (await template('owner', { op: 'save', key, locale, body: 'Hi' } as never)).status,
      ).toBe(400);
    expect((await template('owner', { op: 'delete', body: 'Hi' })).status).toBe(400);
    expect(await h.t.db.selectFrom('message_templates').selectAll().execute()).toEqual(before);
  });

  it('previews with sample values and saves, audited', async () => {
    const preview = await template('owner', {
      op: 'preview',
      body: 'Happy birthday, {name}! Coupon {coupon} until {valid_until}. {branch}',
    });
    expect(preview.status).toBe(200);
    expect(await preview.text()).toMatch(
      /Happy birthday, Anna! Coupon XX-EXAMPLE until \d+ \w+\. Salon/,
    );
    const saved = await template('admin', {
      op: 'save',
      body: '  Happy birthday, {name}! {coupon} ',
    });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Saved.');
    const row = await h.t.db
      .selectFrom('message_templates')
      .select('body')
      .where('key', '=', 'birthday')
      .where('locale', '=', 'en')
      .executeTakeFirstOrThrow();
    expect(row.body).toBe('Happy birthday, {name}! {coupon}');
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('action', '=', 'save-template')
      .execute();
    expect(audit).toEqual([{ actor_id: ids.admin, details: { key: 'birthday', locale: 'en' } }]);
  });

  it("sends a test to the staff member's own linked chat only; unlinked gets how to link", async () => {
    const unlinked = await template('owner', { op: 'test', body: 'Test for {name}' });
    expect(unlinked.status).toBe(409);
    expect(await unlinked.text()).toContain('Your Telegram is not linked');
    expect(await outboxTests()).toEqual([]);

    await h.t.db
      .updateTable('staff_users')
      .set({ telegram_user_id: 900_001 })
      .where('id', '=', ids.owner ?? '')
      .execute();
    await h.t.db
      .updateTable('staff_users')
      .set({ telegram_user_id: 900_002 })
      .where('id', '=', ids.admin ?? '')
      .execute();
    const sent = await template('owner', { op: 'test', body: 'Test for {name} {coupon}' });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain('The test is queued');
    // A bad text sends nothing.
    expect((await template('owner', { op: 'test', body: '{nope}' })).status).toBe(400);
    const rows = await outboxTests();
    expect(rows).toEqual([{ chat_id: '900001', client_id: null }]);
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select('actor_id')
      .where('action', '=', 'send-test-template')
      .execute();
    expect(audit).toEqual([{ actor_id: ids.owner }]);
  });

  const api = (resource: string, path: string, role: string, form: Record<string, string>) =>
    post(`/admin/api/resources/${resource}/${path}`, role, form);
  const holidayCount = async () =>
    (await h.t.db.selectFrom('holidays').select('id').execute()).length;

  it('holidays: errors on their own field, nothing stored; a good one is stored with its next date', async () => {
    const before = await holidayCount();
    const cases: [Record<string, string>, string][] = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(500), kind: 'fixed', month: '1', day: '1' }, 'name'],
      [{ name: 'Feb', kind: 'fixed', month: '2', day: '31' }, 'day'],
      [{ name: 'Feb', kind: 'fixed', month: '2' }, 'day'],
      [{ name: 'Nth', kind: 'nth-weekday', month: '5', weekday: '1' }, 'nth'],
      [{ name: 'H', kind: 'fixed', month: '5', day: '1', local_hour: '24' }, 'local_hour'],
      [{ name: 'H', kind: 'fixed', month: 'May', day: '1' }, 'month'],
      [{ name: 'H', kind: '<img src=x>', month: '5', day: '1' }, 'kind'],
      [
        {
          name: 'H',
          kind: 'fixed',
          month: '5',
          day: '1',
          audience_kind: 'tags',
          audience_values: ' , ',
        },
        'audience_values',
      ],
      [
        {
          name: 'H',
          kind: 'fixed',
          month: '5',
          day: '1',
          audience_kind: 'branch',
          audience_values: 'Nowhere',
        },
        'audience_values',
      ],
      [
        {
          name: 'H',
          kind: 'fixed',
          month: '5',
          day: '1',
          audience_kind: 'recent',
          audience_months: '0',
        },
        'audience_months',
      ],
      [
        { name: 'H', kind: 'fixed', month: '5', day: '1', audience_kind: 'everyone' },
        'audience_kind',
      ],
    ];
    for (const [form, field] of cases) {
      const response = await api('Holiday', 'actions/new', 'owner', form);
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(Object.keys(body.record?.errors ?? {}), JSON.stringify(form).slice(0, 80)).toEqual([
        field,
      ]);
    }
    expect(await holidayCount()).toBe(before);

    const branch = await h.t.db
      .insertInto('branches')
      .values({ name: 'Центр', time_zone: 'Europe/Moscow' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const created = await (
      await api('Holiday', 'actions/new', 'admin', {
        name: 'Spring day',
        kind: 'nth-weekday',
        month: '4',
        weekday: '6',
        nth: '-1',
        local_hour: '11',
        audience_kind: 'branch',
        audience_values: 'центр',
        active: 'true',
      })
    ).json();
    expect(created.record.errors).toEqual({});
    expect(created.record.params).toMatchObject({
      name: 'Spring day',
      audience_kind: 'branch',
      audience_values: 'Центр',
      next_date: expect.stringMatching(/^\d{4}-04-\d\d$/),
    });
    const id = created.record.params.id as string;
    expect(await holidayCount()).toBe(before + 1);
    const stored = await h.t.db
      .selectFrom('holidays')
      .select('audience')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.audience).toEqual({ kind: 'branch', branchIds: [branch.id] });
    const edited = await (
      await api('Holiday', `records/${id}/edit`, 'owner', { kind: 'fixed', month: '4', day: '31' })
    ).json();
    expect(Object.keys(edited.record.errors)).toEqual(['day']);
    // Managers and analysts read holidays but change nothing; masters do not see them.
    for (const role of ['manager', 'analyst']) {
      expect((await h.get('/admin/api/resources/Holiday/actions/list', cookies[role])).status).toBe(
        200,
      );
      expect((await api('Holiday', 'actions/new', role, { name: 'X' })).status).toBe(403);
      expect((await api('Holiday', `records/${id}/edit`, role, { name: 'X' })).status).toBe(403);
    }
    expect((await h.get('/admin/api/resources/Holiday/actions/list', cookies.master)).status).toBe(
      403,
    );
    expect(await holidayCount()).toBe(before + 1);
  });

  it('sources: a tree with unique codes and no cycles; the link and the client count shown', async () => {
    const root = await (
      await api('AcquisitionSource', 'actions/new', 'owner', {
        name: 'Instagram',
        link_code: 'insta',
      })
    ).json();
    const rootId = root.record.params.id as string;
    expect(root.record.params).toMatchObject({ deep_link: 'src_insta', clients: 0 });
    const child = await (
      await api('AcquisitionSource', 'actions/new', 'owner', {
        name: 'Stories',
        parent_id: rootId,
        link_code: 'insta-st',
      })
    ).json();
    const childId = child.record.params.id as string;
    expect(child.record.params.parent_id).toBe(rootId);

    const errorsOf = async (path: string, form: Record<string, string>) =>
      (await (await api('AcquisitionSource', path, 'owner', form)).json()).record.errors;
    expect(await errorsOf('actions/new', { name: 'Dup', link_code: 'insta' })).toEqual({
      link_code: { message: 'already taken', type: 'taken' },
    });
    expect(Object.keys(await errorsOf('actions/new', { name: 'Bad', link_code: 'a b/c' }))).toEqual(
      ['link_code'],
    );
    expect(Object.keys(await errorsOf('actions/new', { name: '' }))).toEqual(['name']);
    expect(await errorsOf(`records/${rootId}/edit`, { parent_id: childId })).toEqual({
      parent_id: { message: 'cannot be placed under itself or its own descendant', type: 'cycle' },
    });
    expect(
      Object.keys(await errorsOf(`records/${rootId}/edit`, { parent_id: 'not-a-uuid' })),
    ).toEqual(['parent_id']);
    expect(
      await h.t.db.selectFrom('acquisition_sources').select('name').orderBy('name').execute(),
    ).toEqual([{ name: 'Instagram' }, { name: 'Stories' }]);

    await setSetting(h.t.db, 'bot.username', 'salon_bot');
    await h.clients.create({ name: 'Пришедшая', phone: '+79165550177' }, SYSTEM);
    await h.t.db.updateTable('clients').set({ source_id: childId }).execute();
    const shown = await (
      await h.get(`/admin/api/resources/AcquisitionSource/records/${childId}/show`, cookies.analyst)
    ).json();
    expect(shown.record.params).toMatchObject({
      deep_link: 'https://t.me/salon_bot?start=src_insta-st',
      clients: 1,
    });
    expect(JSON.stringify(shown)).not.toContain('Пришедшая');
    expect((await api('AcquisitionSource', 'actions/new', 'analyst', { name: 'X' })).status).toBe(
      403,
    );
    expect(
      (await h.get('/admin/api/resources/AcquisitionSource/actions/list', cookies.master)).status,
    ).toBe(403);
  });

  it('lists filter on real columns only: a filter on a worked-out field is ignored, not an error', async () => {
    const list = async (resource: string, query: string) => {
      const response = await h.get(
        `/admin/api/resources/${resource}/actions/list?${query}`,
        cookies.owner,
      );
      expect(response.status).toBe(200);
      return ((await response.json()) as { records: unknown[] }).records;
    };
    const all = await list('Holiday', '');
    expect(all.length).toBeGreaterThan(0);
    expect(await list('Holiday', 'filters.next_date=2099')).toHaveLength(all.length);
    expect(await list('Holiday', 'filters.audience_kind=tags')).toHaveLength(all.length);
    expect(await list('Holiday', 'sortBy=next_date&direction=asc')).toHaveLength(all.length);
    const sources = await list('AcquisitionSource', '');
    expect(await list('AcquisitionSource', 'filters.deep_link=x')).toHaveLength(sources.length);
    expect(await list('AcquisitionSource', 'filters.clients=5')).toHaveLength(sources.length);
  });
});
