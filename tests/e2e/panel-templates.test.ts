import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setSetting } from '../../src/domain/settings.js';
import { addBranch, SYSTEM } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';
import { type PageFieldError, pageApi, say } from './panel-page-api.js';

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
  const template = (role: string, form: Record<string, unknown>) =>
    pageApi(h, 'templates', cookies[role], { key: 'birthday', locale: 'en', ...form });
  /** The message the page shows for the text's field. */
  const problem = async (response: Response) =>
    say(
      'Templates',
      ((await response.json()) as { errors: Record<string, PageFieldError> }).errors.body,
    );
  interface Texts {
    groups: {
      key: string;
      kind: string;
      holiday: string | null;
      texts: { locale: string; body: string; stored: boolean }[];
    }[];
  }
  const outboxTests = () =>
    h.t.db
      .selectFrom('outbox')
      .select(['chat_id', 'client_id'])
      .where('kind', '=', 'template-test')
      .execute();

  it('shows every text to owners and admins only; others get 403, strangers the login', async () => {
    for (const role of ['owner', 'admin']) {
      expect((await h.get('/admin/pages/templates', cookies[role])).status).toBe(200);
      const page = await pageApi(h, 'templates', cookies[role]);
      expect(page.status).toBe(200);
      const data = (await page.json()) as Texts;
      // Birthday, win-back and the five default holidays, in two languages each.
      expect(data.groups.flatMap((g) => g.texts)).toHaveLength(14);
      expect(data.groups.map((g) => g.holiday)).toContain('8 марта');
    }
    for (const role of ['manager', 'master', 'analyst']) {
      expect((await h.get('/admin/pages/templates', cookies[role])).status).toBe(403);
      expect((await pageApi(h, 'templates', cookies[role])).status).toBe(403);
      expect((await template(role, { op: 'save', body: 'Hi {name}' })).status).toBe(403);
    }
    const anonymous = await h.get('/admin/pages/templates');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/admin/login');
    // Posted from another site (or with no origin at all): refused before the page runs.
    const forged = await fetch(`${h.url}/admin/api/pages/templates`, {
      method: 'POST',
      headers: { cookie: cookies.owner ?? '', 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'birthday', locale: 'en', op: 'save', body: 'x' }),
    });
    expect(forged.status).toBe(403);
  });

  it('refuses unknown placeholders, long, empty and hostile texts, changing nothing', async () => {
    const before = await h.t.db.selectFrom('message_templates').selectAll().execute();
    const typo = await template('owner', { op: 'save', body: 'Hi {nmae}, see <b>you</b>' });
    expect(typo.status).toBe(400);
    expect(await problem(typo)).toBe(
      'Unknown placeholders: {nmae}. Allowed: {name}, {discount}, {coupon}, {valid_until}, {branch}.',
    );
    const long = await template('owner', { op: 'save', body: 'x'.repeat(2500) });
    expect(long.status).toBe(400);
    expect(await problem(long)).toBe('The text is too long: 2500 characters, at most 2000.');
    const huge = await template('owner', { op: 'preview', body: 'y'.repeat(200_000) });
    expect(huge.status).toBe(400);
    expect((await huge.clone().text()).length).toBeLessThan(60_000);
    expect(await problem(huge)).toBe('The text is too long: 200000 characters, at most 2000.');
    const empty = await template('owner', { op: 'save', body: '   ' });
    expect(await problem(empty)).toBe('The text is empty.');
    const missing = await template('owner', { op: 'save' });
    expect(await problem(missing)).toBe('The text is empty.');
    const hostile = await template('owner', {
      op: 'preview',
      body: '<script>alert(1)</script> {name} {{coupon}}',
    });
    // The text comes back as data (JSON) for the page to show as text, never as markup.
    expect(hostile.status).toBe(200);
    expect(hostile.headers.get('content-type')).toContain('application/json');
    expect(((await hostile.json()) as { preview: string }).preview).toBe(
      '<script>alert(1)</script> Anna {XX-EXAMPLE}',
    );
    for (const [key, locale] of [
      ['holiday:../../etc', 'en'],
      ['birthday', 'de'],
      ['holiday:00000000-0000-0000-0000-000000000000', 'ru'],
    ])
      expect((await template('owner', { op: 'save', key, locale, body: 'Hi' })).status).toBe(400);
    expect((await template('owner', { op: 'delete', body: 'Hi' })).status).toBe(400);
    const wrongType = await template('owner', { op: 'save', body: { $ne: '' } });
    expect(wrongType.status).toBe(400);
    expect(Object.keys(((await wrongType.json()) as { errors: object }).errors)).toEqual(['body']);
    expect(await h.t.db.selectFrom('message_templates').selectAll().execute()).toEqual(before);
  });

  it('previews with sample values, saves and resets to the default, audited', async () => {
    const preview = await template('owner', {
      op: 'preview',
      body: 'Happy birthday, {name}! Coupon {coupon} until {valid_until}. {branch}',
    });
    expect(preview.status).toBe(200);
    expect(((await preview.json()) as { preview: string }).preview).toMatch(
      /Happy birthday, Anna! Coupon XX-EXAMPLE until \d+ \w+\. Salon/,
    );
    const saved = await template('admin', {
      op: 'save',
      body: '  Happy birthday, {name}! {coupon} ',
    });
    expect(saved.status).toBe(200);
    const after = (await saved.json()) as Texts & { notice: string };
    expect(after.notice).toBe('saved');
    expect(after.groups[0]?.texts.find((t) => t.locale === 'en')).toEqual({
      locale: 'en',
      body: 'Happy birthday, {name}! {coupon}',
      stored: true,
    });
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

    // Back to the default: the stored text goes, the default one shows again.
    await template('admin', {
      op: 'save',
      key: 'winback',
      locale: 'ru',
      body: 'Вернитесь, {name}',
    });
    const reset = await template('owner', { op: 'reset', key: 'winback', locale: 'ru' });
    expect(reset.status).toBe(200);
    const shown = (await reset.json()) as Texts & { notice: string };
    expect(shown.notice).toBe('reset');
    const winback = shown.groups
      .find((g) => g.key === 'winback')
      ?.texts.find((t) => t.locale === 'ru');
    expect(winback?.stored).toBe(false);
    expect(winback?.body).toContain('давно вас не видели');
    expect(
      await h.t.db
        .selectFrom('message_templates')
        .select('key')
        .where('key', '=', 'winback')
        .where('locale', '=', 'ru')
        .execute(),
    ).toEqual([]);
    const resets = await h.t.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('action', '=', 'reset-template')
      .execute();
    expect(resets).toEqual([{ actor_id: ids.owner, details: { key: 'winback', locale: 'ru' } }]);
    const kept = await h.t.db.selectFrom('message_templates').selectAll().execute();
    for (const role of ['manager', 'analyst'])
      expect((await template(role, { op: 'reset', key: 'birthday', locale: 'en' })).status).toBe(
        403,
      );
    expect(await h.t.db.selectFrom('message_templates').selectAll().execute()).toEqual(kept);
  });

  it("sends a test to the staff member's own linked chat only; unlinked gets how to link", async () => {
    const unlinked = await template('owner', { op: 'test', body: 'Test for {name}' });
    expect(unlinked.status).toBe(409);
    expect(await problem(unlinked)).toContain('Your Telegram is not linked');
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
    expect(((await sent.json()) as { notice: string }).notice).toBe('sent');
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

    const branch = await addBranch(h.serverDeps);
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
    expect(stored.audience).toEqual({ kind: 'branch', branchIds: [branch] });
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

  it('lists filter on real columns only: a filter or sort on a worked-out field is a 400 naming it', async () => {
    const get = (resource: string, query: string) =>
      h.get(`/admin/api/resources/${resource}/actions/list?${query}`, cookies.owner);
    const list = async (resource: string, query: string) => {
      const response = await get(resource, query);
      expect(response.status).toBe(200);
      return ((await response.json()) as { records: unknown[] }).records;
    };
    const refused = async (resource: string, query: string, param: string) => {
      const response = await get(resource, query);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: string }).error).toContain(param);
    };
    const all = await list('Holiday', '');
    expect(all.length).toBeGreaterThan(0);
    await refused('Holiday', 'filters.next_date=2099', 'filters.next_date');
    await refused('Holiday', 'sortBy=next_date&direction=asc', 'sortBy');
    await refused('Holiday', 'filters.audience_kind=tags', 'filters.audience_kind');
    await list('AcquisitionSource', '');
    await refused('AcquisitionSource', 'filters.deep_link=x', 'filters.deep_link');
    await refused('AcquisitionSource', 'filters.clients=5', 'filters.clients');
  });
});
