import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffRole } from '../../src/db/schema.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { createServices, type Services } from '../../src/runtime.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';
import { pageApi, say } from './panel-page-api.js';

const SECRET_NAME = 'Секретова Тайна';
const SECRET_PHONE = '+79165550101';

/**
 * Issue #17, findings 3, 6, 7 and 11, as the security review attacked them: a salon of two
 * branches, an owner, two managers (one per branch), a master of each branch.
 */
describe('panel hardening: access to personal data', () => {
  const h = new PanelHarness();
  let s: Services;
  const cookies = new Map<string, string>();
  const staffIds = new Map<string, string>();
  const ids = { branchA: '', branchB: '', service: '', masterA: '', masterB: '', client: '' };
  const visits = { a: '', b: '' };

  const post = async (path: string, cookie: string, form: Record<string, string> = {}) => {
    const response = await fetch(`${h.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  };
  /** A booking as the booking page's component posts it. */
  const book = async (cookie: string, form: Record<string, string>) => {
    const response = await pageApi(h, 'booking', cookie, { op: 'book', ...form });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  };
  const getJson = async (path: string, who: string) => {
    const response = await h.get(path, cookies.get(who));
    expect(response.status, path).toBe(200);
    return response.json();
  };
  const login = async (name: string, role: StaffRole, branchId?: string) => {
    const email = await h.addStaff(role, 'en', branchId);
    cookies.set(name, await h.login(email));
    staffIds.set(name, await h.staffId(email));
    return staffIds.get(name) ?? '';
  };

  beforeAll(async () => {
    await h.setUp();
    s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    const a = await seedSalon(s, { masters: [{ name: 'Анна' }] });
    const b = await seedSalon(s, {
      branch: { name: 'Север' },
      services: [a.service],
      masters: [{ name: 'Бэлла' }],
    });
    ids.branchA = a.branch;
    ids.branchB = b.branch;
    ids.service = a.service;
    ids.masterA = a.masters[0] ?? '';
    ids.masterB = b.masters[0] ?? '';
    await login('owner', 'owner');
    await login('managerA', 'manager', ids.branchA);
    await login('managerB', 'manager', ids.branchB);
    const client = await s.clients.create(
      { name: SECRET_NAME, phone: SECRET_PHONE, notes: 'тихая', tags: ['vip'] },
      SYSTEM,
    );
    ids.client = client.id;
    const now = new Date('2030-01-07T06:00:00Z');
    const book = (masterId: string, iso: string) =>
      s.booking.book(
        {
          clientId: client.id,
          serviceId: ids.service,
          masterId,
          startsAt: new Date(iso),
          channel: 'panel',
        },
        SYSTEM,
        now,
      );
    visits.a = (await book(ids.masterA, '2030-01-07T08:00:00Z')).id;
    visits.b = (await book(ids.masterB, '2030-01-07T10:00:00Z')).id;
  });
  afterAll(() => h.tearDown());

  it('finding 7: a manager needs a branch; a manager row without one sees nothing', async () => {
    // The staff domain refuses a manager without a branch, as a field error on the branch.
    await expect(
      s.staff.create(
        { email: 'nobranch@salon.test', displayName: 'No branch', role: 'manager' },
        SYSTEM,
      ),
    ).rejects.toMatchObject(new InvalidInputError('branchId', 'required'));
    const made = await post(
      '/admin/api/resources/StaffUser/actions/new',
      cookies.get('owner') ?? '',
      {
        email: 'nobranch@salon.test',
        display_name: 'No branch',
        role: 'manager',
        branch_id: '',
      },
    );
    expect(made.json().record.errors.branch_id.type).toBe('required');
    const managerA = staffIds.get('managerA') ?? '';
    // Turning a master into a manager, or taking a manager's branch away, needs a branch too.
    await expect(s.staff.update(managerA, { branchId: null }, SYSTEM)).rejects.toMatchObject({
      field: 'branchId',
      code: 'required',
    });
    expect(
      await h.t.db
        .selectFrom('staff_users')
        .select('email')
        .where('email', '=', 'nobranch@salon.test')
        .execute(),
    ).toEqual([]);

    // A manager row that has no branch all the same (made before the rule) sees no visit.
    const legacy = await login('legacy', 'manager', ids.branchA);
    await h.t.db
      .updateTable('staff_users')
      .set({ branch_id: null })
      .where('id', '=', legacy)
      .execute();
    const list = await getJson('/admin/api/resources/Visit/actions/list', 'legacy');
    expect(list.records).toEqual([]);
    expect(list.meta.total).toBe(0);
    const one = await h.get(
      `/admin/api/resources/Visit/records/${visits.a}/show`,
      cookies.get('legacy'),
    );
    expect(await one.text()).not.toContain(SECRET_NAME);
    // Such a manager can still be deactivated without being given a branch first.
    await s.staff.update(legacy, { active: false }, SYSTEM);
  });
  it('finding 3: listing clients leaves an audit entry without values', async () => {
    // Enough clients that an unclamped page of 500 would hold more than 100.
    for (let i = 0; i < 120; i++)
      await s.clients.create(
        { name: `Клиент Номер${i}`, phone: `+7916100${String(i).padStart(4, '0')}` },
        SYSTEM,
      );
    const reads = () =>
      h.t.db
        .selectFrom('audit_log')
        .select(['actor_id', 'action', 'entity', 'entity_id', 'details'])
        .where('action', 'in', ['list', 'search'])
        .orderBy('id')
        .execute();
    const before = (await reads()).length;
    const managerA = staffIds.get('managerA');

    // A page of the list: at most 100 rows whatever perPage asks for, and one audit entry.
    const list = await getJson('/admin/api/resources/Client/actions/list?perPage=500', 'managerA');
    expect(list.records.length).toBe(100);
    // A search by name: the filter's field is recorded, never what was typed.
    const found = await getJson(
      `/admin/api/resources/Client/actions/list?filters.name=${encodeURIComponent('Секретова')}`,
      'managerA',
    );
    expect(found.records.map((r: { params: { phone: string } }) => r.params.phone)).toEqual([
      SECRET_PHONE,
    ]);
    // The search action (reference pickers) is a read of names too.
    await getJson(
      `/admin/api/resources/Client/actions/search/${encodeURIComponent('Тайна')}`,
      'managerA',
    );
    // A visit list carries clients' names and phones: audited and capped alike.
    const visitList = await getJson(
      '/admin/api/resources/Visit/actions/list?perPage=500&filters.status=booked',
      'owner',
    );
    expect(visitList.records.length).toBe(2);

    const entries = (await reads()).slice(before);
    expect(entries).toEqual([
      {
        actor_id: managerA,
        action: 'list',
        entity: 'client',
        entity_id: null,
        details: { rows: 100, filters: [], offset: 0, limit: 100 },
      },
      {
        actor_id: managerA,
        action: 'search',
        entity: 'client',
        entity_id: null,
        details: { rows: 1, filters: ['name'], offset: 0, limit: 10 },
      },
      expect.objectContaining({
        actor_id: managerA,
        action: 'search',
        entity: 'client',
        details: expect.objectContaining({ rows: 1, filters: ['name'] }),
      }),
      expect.objectContaining({
        action: 'search',
        entity: 'visit',
        details: { rows: 2, filters: ['status'], offset: 0, limit: 100 },
      }),
    ]);
    const text = JSON.stringify(entries);
    for (const secret of ['Секретова', 'Тайна', SECRET_PHONE, 'Клиент', 'booked'])
      expect(text).not.toContain(secret);
    // Bad page numbers lose nothing and leave the cap in place.
    const huge = await h.get(
      '/admin/api/resources/Client/actions/list?perPage=100000&page=1',
      cookies.get('managerA'),
    );
    expect(huge.status).toBeLessThan(500);
    if (huge.status === 200) expect((await huge.json()).records.length).toBeLessThanOrEqual(100);
  });
  it('finding 6: a manager books only into their branch and sees only its visits of a shared client', async () => {
    const managerA = cookies.get('managerA') ?? '';
    const tomorrowNoon = DateTime.now()
      .setZone('Europe/Moscow')
      .plus({ days: 1 })
      .set({ hour: 12, minute: 0, second: 0, millisecond: 0 });
    const form = (branch: string, master: string, phone: string, hour = 12) => ({
      branch,
      service: ids.service,
      master,
      day: tomorrowNoon.toISODate() ?? '',
      at: String(tomorrowNoon.set({ hour }).toMillis()),
      phone,
      name: 'Гость Проходной',
    });
    const count = async (table: 'appointments' | 'clients') =>
      Number(
        (
          await h.t.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = { visits: await count('appointments'), clients: await count('clients') };

    // Into the other branch, named: refused before anything is written, with a clear message.
    const into = await book(managerA, form(ids.branchB, ids.masterB, '+79160000001'));
    expect(into.status).toBe(403);
    expect(say('Booking', into.json().errors.branch)).toBe(
      'You can book only into your own branch.',
    );
    // The other branch's master, with the branch left out or named as the manager's own.
    const implied = await book(managerA, {
      ...form('', ids.masterB, '+79160000002'),
    });
    expect(implied.status).toBeGreaterThanOrEqual(400);
    // Hostile values in the branch field are refused the same way.
    for (const branch of ['x'.repeat(5000), "' OR 1=1 --", ids.branchB.toUpperCase()]) {
      const hostile = await book(managerA, form(branch, ids.masterA, '+79160000003'));
      expect(hostile.status, branch.slice(0, 20)).toBe(403);
    }
    expect(await count('appointments')).toBe(before.visits);
    expect(await count('clients')).toBe(before.clients);
    // The booking page offers the manager's own branch only.
    const page = await (await pageApi(h, 'booking', managerA)).text();
    expect(page).toContain('Центр');
    expect(page).not.toContain('Север');
    // Their own branch books as before; an owner books anywhere.
    const own = await book(managerA, form(ids.branchA, ids.masterA, '+79160000004'));
    expect(own.status).toBe(200);
    expect(own.json().booked.href).toMatch(/^\/admin\/resources\/Visit\/records\/.+\/show$/);
    const owners = await book(
      cookies.get('owner') ?? '',
      form(ids.branchB, ids.masterB, '+79160000005', 14),
    );
    expect(owners.status).toBe(200);

    // The shared client's card: identity and contact for both managers, visits of the own branch
    // only, the others counted.
    const card = async (who: string) => {
      const { params } = (
        await getJson(`/admin/api/resources/Client/records/${ids.client}/card`, who)
      ).record;
      const { upcoming, past, elsewhere } = params.cardView.visits as {
        upcoming: { master: string }[];
        past: { master: string }[];
        elsewhere: number;
      };
      return { ...params, masters: [...upcoming, ...past].map((v) => v.master), elsewhere };
    };
    const seenByA = await card('managerA');
    expect(seenByA).toMatchObject({ name: SECRET_NAME, phone: SECRET_PHONE });
    expect(seenByA.masters).toContain('Анна');
    expect(seenByA.masters).not.toContain('Бэлла');
    expect(seenByA.elsewhere).toBe(1);
    const seenByB = await card('managerB');
    expect(seenByB.masters).toContain('Бэлла');
    expect(seenByB.masters).not.toContain('Анна');
    const seenByOwner = await card('owner');
    expect(seenByOwner.masters).toContain('Анна');
    expect(seenByOwner.masters).toContain('Бэлла');
    expect(seenByOwner.elsewhere).toBe(0);

    // The client's data as JSON: the same rule.
    const json = async (who: string) => getJson(`/admin/clients/${ids.client}/export.json`, who);
    const exportA = await json('managerA');
    expect(exportA.visits.map((v: { master: string }) => v.master)).toEqual(['Анна']);
    expect(exportA.visitsInOtherBranches).toBe(1);
    const exportOwner = await json('owner');
    expect(exportOwner.visits).toHaveLength(2);
    expect(exportOwner).not.toHaveProperty('visitsInOtherBranches');
  });
  it('finding 11: a scan of every column after a CSV import with tags finds no plaintext tag', async () => {
    const TAGS = ['zebra-orchid-7731', 'ТюльпанОсобый'];
    const file = [
      'ФИО;Телефон;Метки',
      `Импорт Первая;+7 916 400-00-01;${TAGS[0]}, ${TAGS[1]}`,
      `Импорт Вторая;+7 916 400-00-02;${TAGS[1]}`,
      // Bad rows lose nothing of the good ones.
      `Без телефона;;${TAGS[0]}`,
      `Много меток;+79164000004;${Array.from({ length: 40 }, (_, i) => `t${i}`).join(',')}`,
    ].join('\n');
    const imported = await fetch(`${h.url}/admin/import/run?id=${crypto.randomUUID()}&dry=0`, {
      method: 'POST',
      headers: { cookie: cookies.get('managerA') ?? '', origin: h.url, 'content-type': 'text/csv' },
      body: file,
    });
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ created: 2, failed: 2 });
    // A holiday greeting the clients of one tag, set in the panel.
    const holiday = await post(
      '/admin/api/resources/Holiday/actions/new',
      cookies.get('owner') ?? '',
      {
        name: 'Для своих',
        kind: 'fixed',
        month: '6',
        day: '1',
        audience_kind: 'tags',
        audience_values: TAGS[0] ?? '',
      },
    );
    expect(holiday.json().notice.type).toBe('success');

    // Every text, JSON, byte and array column of every table, searched for the tags.
    const { rows: columns } = await sql<{
      table_name: string;
      column_name: string;
      data_type: string;
    }>`
      SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
      JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`.execute(
      h.t.db,
    );
    const found: string[] = [];
    for (const { table_name, column_name, data_type } of columns)
      for (const tag of TAGS) {
        const column = sql.ref(column_name);
        const match =
          data_type === 'bytea'
            ? sql`position(convert_to(${tag}, 'UTF8') in ${column}) > 0`
            : sql`${column}::text ILIKE ${`%${tag}%`}`;
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM ${sql.table(table_name)} WHERE ${match}`.execute(h.t.db);
        if ((rows[0]?.n ?? 0) > 0) found.push(`${table_name}.${column_name}: ${tag}`);
      }
    expect(found).toEqual([]);
    expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(
      expect.arrayContaining(['clients.tags_enc', 'holidays.audience', 'audit_log.details']),
    );

    // The tags still read where they are needed: the card, and the holiday's form.
    const [first] = await s.clients.findByPhone('+79164000001');
    expect(first?.tags).toEqual(TAGS);
    const card = await getJson(`/admin/api/resources/Client/records/${first?.id}/show`, 'managerA');
    expect(card.record.params.tags).toBe(TAGS.join(', '));
    const shown = await getJson(
      `/admin/api/resources/Holiday/records/${holiday.json().record.params.id}/show`,
      'owner',
    );
    expect(shown.record.params).toMatchObject({ audience_kind: 'tags', audience_values: TAGS[0] });
  });
});
