import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoyaltyForm } from '../../src/admin/panel/pages/loyalty-form.js';
import type { StaffRole } from '../../src/db/schema.js';
import { DEFAULT_RULES, type LoyaltyRules } from '../../src/domain/loyalty/loyalty-rules.js';
import { createServices, type Services } from '../../src/runtime.js';
import { silentLogger } from '../helpers/fixtures.js';
import { panelText } from '../helpers/panel-text.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';
import { type PageFieldError, pageApi, say } from './panel-page-api.js';

const ROLES: StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];
const SECRET_NAME = 'Купонова Тайна';
const SECRET_PHONE = '+79165550177';

/** The rules as the page's form: every value as typed. */
function fields(r: LoyaltyRules): LoyaltyForm {
  return {
    referral: r.referral.map((x) => ({ friends: String(x.friends), percent: String(x.percent) })),
    secondLevelWeight: String(r.secondLevelWeight),
    referralCapPercent: String(r.referralCapPercent),
    levels: r.levels.map((l) => ({
      name: l.name,
      minSpend: String(l.minSpend),
      minVisits: String(l.minVisits),
      percent: String(l.percent),
    })),
    levelWindowDays: String(r.levelWindowDays),
    globalCapPercent: String(r.globalCapPercent),
    points: {
      earnPercent: String(r.points.earnPercent),
      maxSharePercent: String(r.points.maxSharePercent),
    },
  };
}

/** The form with one value changed, by its path (`levels.1.name`, `points.earnPercent`). */
function patched(form: LoyaltyForm, patch: Record<string, unknown>): LoyaltyForm {
  const out = structuredClone(form) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(patch)) {
    const keys = path.split('.');
    let at = out as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      at[key] ??= /^\d+$/.test(keys[keys.indexOf(key) + 1] ?? '') ? [] : {};
      at = at[key] as Record<string, unknown>;
    }
    at[keys[keys.length - 1] ?? ''] = value;
  }
  return out as unknown as LoyaltyForm;
}

describe('panel: loyalty rules page, coupons and cards over HTTP', () => {
  const h = new PanelHarness();
  const cookies = new Map<StaffRole, string>();
  let s: Services;
  let clientId = '';
  let serviceId = '';
  let masterId = '';

  beforeAll(async () => {
    await h.setUp();
    s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    for (const role of ROLES) cookies.set(role, await h.login(await h.addStaff(role)));
    const salon = await seedSalon(s, {
      services: [{ name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 }],
      masters: [{ name: 'Ольга' }],
      hours: { start: '08:00', end: '22:00' },
    });
    serviceId = salon.service;
    masterId = salon.masters[0] ?? '';
    clientId = (await s.clients.create({ name: SECRET_NAME, phone: SECRET_PHONE }, SYSTEM)).id;
  }, 60_000);
  afterAll(() => h.tearDown());

  const post = (path: string, role: StaffRole | null, body: Record<string, string> | string) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        ...(role ? { cookie: cookies.get(role) ?? '' } : {}),
        origin: h.url,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
    });
  const versions = async () =>
    (await h.t.db.selectFrom('loyalty_rules').select('version').execute()).length;

  const loyalty = (role: StaffRole | null, body?: unknown) =>
    pageApi(h, 'loyalty', role ? cookies.get(role) : undefined, body);
  const errorsOf = async (response: Response) =>
    ((await response.json()) as { errors: Record<string, PageFieldError> }).errors;

  it('shows the rules to owners, admins, managers and analysts; only owners and admins save', async () => {
    for (const role of ROLES) {
      const page = await h.get('/admin/pages/loyalty', cookies.get(role));
      const data = await loyalty(role);
      if (role === 'master') {
        expect(page.status, role).toBe(403);
        expect(data.status, role).toBe(403);
        continue;
      }
      expect(page.status, role).toBe(200);
      expect(data.status, role).toBe(200);
      const shown = (await data.json()) as { form: LoyaltyForm; editable: boolean };
      expect(shown.form.levels.map((l) => l.name)).toContain('Silver');
      // Only owners and admins get a form that saves; the others read it (the page says so).
      expect(shown.editable, role).toBe(role === 'owner' || role === 'admin');
    }
    for (const role of ['manager', 'analyst', 'master'] as const) {
      const refused = await loyalty(role, fields(DEFAULT_RULES));
      expect(refused.status, role).toBe(403);
    }
    expect((await h.get('/admin/pages/loyalty')).status).toBe(302);
    expect((await loyalty(null, fields(DEFAULT_RULES))).status).toBe(401);
    // A form posted from another site is refused before the role check.
    const forged = await fetch(`${h.url}/admin/api/pages/loyalty`, {
      method: 'POST',
      headers: {
        cookie: cookies.get('owner') ?? '',
        origin: 'https://evil.example',
        'content-type': 'application/json',
      },
      body: JSON.stringify(fields(DEFAULT_RULES)),
    });
    expect(forged.status).toBe(403);
    expect(await versions()).toBe(0);
  });

  const bad: [string, Record<string, unknown>, string, string][] = [
    [
      'text in a number',
      { 'referral.0.percent': 'ten' },
      'referral.0.percent',
      'A number is needed',
    ],
    ['empty', { levelWindowDays: '' }, 'levelWindowDays', 'Fill this in.'],
    [
      'huge name',
      { 'levels.1.name': 'я'.repeat(10_000) },
      'levels.1.name',
      'At most 40 characters.',
    ],
    [
      'markup in a name',
      { 'levels.0.name': '<script>alert(1)</script>' },
      'levels.0.name',
      'Letters, digits, spaces',
    ],
    ['negative', { 'levels.2.minSpend': '-5' }, 'levels.2.minSpend', 'At least 0.'],
    ['over 100 %', { globalCapPercent: '150' }, 'globalCapPercent', 'At most 100.'],
    [
      'a fraction of a friend',
      { 'referral.1.friends': '2.5' },
      'referral.1.friends',
      'A whole number',
    ],
    ['weight above 1', { secondLevelWeight: '2' }, 'secondLevelWeight', 'At most 1.'],
    ['short window', { levelWindowDays: '10' }, 'levelWindowDays', 'At least 30.'],
    [
      'huge number',
      { 'levels.2.minSpend': '9'.repeat(40) },
      'levels.2.minSpend',
      'A number is needed',
    ],
    ['duplicate level', { 'levels.1.name': 'bronze' }, 'levels.1.name', 'already used'],
    ['duplicate step', { 'referral.1.friends': '1' }, 'referral.1.friends', 'already there'],
    [
      'too many steps',
      Object.fromEntries(
        Array.from({ length: 25 }, (_, i) => [
          [`referral.${i}.friends`, String(i + 1)],
          [`referral.${i}.percent`, '1'],
        ]).flat(),
      ),
      'referral',
      'At most 20 rows.',
    ],
    [
      'an object for a number',
      { 'points.earnPercent': { $gt: 1 } },
      'points.earnPercent',
      'A number',
    ],
  ];
  for (const [name, patch, field, message] of bad)
    it(`refuses ${name}: the message next to ${field}, nothing saved`, async () => {
      const body = patched(fields(DEFAULT_RULES), patch);
      const response = await loyalty('owner', body);
      expect(response.status).toBe(400);
      const text = await response.text();
      const errors = JSON.parse(text).errors as Record<string, PageFieldError>;
      expect(say('Loyalty', errors[field])).toContain(message);
      // Typed text is never echoed back (the page keeps its own copy of the form).
      expect(text).not.toContain('<script>alert');
      expect(await versions()).toBe(0);
    });

  it('refuses rules without levels, a repeated field, a body that is not a form, and a huge one', async () => {
    const noLevels = { ...fields(DEFAULT_RULES), levels: [] };
    const none = await loyalty('owner', noLevels);
    expect(none.status).toBe(400);
    expect(say('Loyalty', (await errorsOf(none)).levels)).toBe('At least one level is needed.');
    // A field given twice arrives as a list: refused on that field.
    const twice = await loyalty('owner', {
      ...fields(DEFAULT_RULES),
      globalCapPercent: ['25', '30'],
    });
    expect(twice.status).toBe(400);
    expect(say('Loyalty', (await errorsOf(twice)).globalCapPercent)).toContain('A number');
    const missing = await loyalty('owner', { levels: 'all of them' });
    expect(missing.status).toBe(400);
    expect(Object.keys(await errorsOf(missing))).toEqual(
      expect.arrayContaining(['referral', 'levels', 'points']),
    );
    const broken = await loyalty('owner', '{"referral": [');
    expect(broken.status).toBe(400);
    // Too many fields for any form: refused while it streams in, before anything reads it.
    const huge = await loyalty('owner', {
      ...fields(DEFAULT_RULES),
      referral: Array.from({ length: 900 }, () => ({ friends: '1', percent: '1' })),
    });
    expect(huge.status).toBe(413);
    const many = await loyalty('owner', {
      ...fields(DEFAULT_RULES),
      referral: Array.from({ length: 300 }, (_, i) => ({ friends: String(i + 1), percent: '1' })),
    });
    expect(many.status).toBe(400);
    expect(say('Loyalty', (await errorsOf(many)).referral)).toBe('At most 20 rows.');
    expect((await huge.text()).length).toBeLessThan(10_000);
    expect(await versions()).toBe(0);
  });

  it("adds and removes rows without saving (the form is the page's until saved)", async () => {
    const form = fields(DEFAULT_RULES);
    form.levels.push({ name: '', minSpend: '0', minVisits: '0', percent: '' });
    form.referral.splice(0, 1);
    // A half-filled new row is refused on its own fields; nothing is saved.
    const refused = await loyalty('admin', form);
    expect(refused.status).toBe(400);
    expect(Object.keys(await errorsOf(refused)).sort()).toEqual([
      'levels.3.name',
      'levels.3.percent',
    ]);
    expect(await versions()).toBe(0);
  });

  it('saves good rules as a new audited version that the quote follows, shown in the history', async () => {
    const before = await s.loyalty.quote(clientId, 'Волосы', new Date());
    expect(before).toMatchObject({ level: 0, total: 0, levelName: 'Bronze' });
    const response = await loyalty(
      'owner',
      patched(fields(DEFAULT_RULES), { 'levels.0.name': 'Start', 'levels.0.percent': '4' }),
    );
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { saved: number; form: LoyaltyForm };
    expect(answer.saved).toBe(1);
    expect(answer.form.levels[0]).toMatchObject({ name: 'Start', percent: '4' });
    expect(await versions()).toBe(1);
    const after = await s.loyalty.quote(clientId, 'Волосы', new Date());
    expect(after).toMatchObject({ rulesVersion: 1, level: 4, total: 4, levelName: 'Start' });
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['actor_type', 'details'])
      .where('action', '=', 'set-rules')
      .execute();
    expect(audit).toEqual([{ actor_type: 'staff', details: { version: 1 } }]);
    const page = (await (await loyalty('analyst')).json()) as {
      form: LoyaltyForm;
      history: { version: number; by: string; at: string }[];
    };
    // When it was saved, in the salon's own time (its branch is in Moscow).
    const saved = await h.t.db
      .selectFrom('loyalty_rules')
      .select('created_at')
      .where('version', '=', 1)
      .executeTakeFirstOrThrow();
    const local = DateTime.fromJSDate(saved.created_at, { zone: 'Europe/Moscow' }).toFormat(
      'yyyy-MM-dd HH:mm',
    );
    expect(page.history).toEqual([{ version: 1, by: 'owner', at: local }]);
    expect(page.form.levels[0]?.name).toBe('Start');
  });

  const api = (path: string, role: StaffRole) =>
    h.get(`/admin/api/resources${path}`, cookies.get(role));
  const issue = (role: StaffRole, body: Record<string, string>) =>
    post('/admin/api/resources/Coupon/actions/new', role, body);
  const until = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);

  it('issues a manual coupon only with good input, reporting the field at fault', async () => {
    const good = { client_id: clientId, percent: '10', categories: 'Волосы', valid_until: until };
    const cases: [Record<string, string>, string][] = [
      [{ ...good, client_id: '' }, 'client_id'],
      [{ ...good, client_id: 'x' }, 'client_id'],
      [{ ...good, percent: '0' }, 'percent'],
      [{ ...good, percent: '101' }, 'percent'],
      [{ ...good, percent: 'ten' }, 'percent'],
      [{ ...good, percent: '' }, 'percent'],
      [{ ...good, valid_until: '' }, 'valid_until'],
      [{ ...good, valid_until: 'tomorrow' }, 'valid_until'],
      [{ ...good, valid_until: '2020-01-01' }, 'valid_until'],
      [{ ...good, valid_from: '2099-01-01' }, 'valid_until'],
      [{ ...good, categories: 'Ногти' }, 'categories'],
      [{ ...good, categories: '<script>'.repeat(200) }, 'categories'],
    ];
    for (const [body, field] of cases) {
      const response = await issue('owner', body);
      const text = await response.text();
      expect(JSON.parse(text).record.errors, JSON.stringify(body)).toHaveProperty(field);
      expect(text).not.toContain(SECRET_PHONE);
    }
    expect(await h.t.db.selectFrom('coupons').select('id').execute()).toEqual([]);
    for (const role of ['master', 'analyst'] as const)
      expect((await issue(role, good)).status, role).toBe(403);
    const made = await (await issue('manager', good)).json();
    expect(made.notice).toMatchObject({ type: 'success' });
    expect(made.record.params).toMatchObject({
      kind: 'manual',
      percent: 10,
      categories: 'Волосы',
      state: 'active',
      client_id: clientId,
    });
    const list = await (await api('/Coupon/actions/list', 'admin')).json();
    expect(list.records).toHaveLength(1);
    // The client is a link: the name only, never the phone or the rest of the card.
    expect(list.records[0].populated.client_id.params).toEqual({ id: clientId, name: SECRET_NAME });
    expect(JSON.stringify(list)).not.toContain(SECRET_PHONE);
    const code = String(made.record.params.code);
    const found = await (
      await api(`/Coupon/actions/list?filters.code=${code.slice(0, 5).toLowerCase()}`, 'owner')
    ).json();
    expect(found.records.map((r: { params: { code: string } }) => r.params.code)).toEqual([code]);
    const none = await (await api('/Coupon/actions/list?filters.code=%25', 'owner')).json();
    expect(none.records).toEqual([]);
  });

  it('revokes a held coupon: released from its visit, the price re-worked, not applied at booking', async () => {
    const [coupon] = await h.t.db.selectFrom('coupons').select(['id']).execute();
    if (!coupon) throw new Error('no coupon');
    const q = await s.loyalty.quote(clientId, 'Волосы', new Date());
    expect(q.coupon?.id).toBe(coupon.id);
    expect(q.total).toBe(14);
    const tomorrow = new Date(Date.now() + 86_400_000);
    tomorrow.setUTCHours(9, 0, 0, 0);
    const booked = await s.booking.book(
      {
        clientId,
        serviceId,
        masterId,
        startsAt: tomorrow,
        channel: 'bot',
        discountPct: q.total,
        couponId: coupon.id,
        rulesVersion: q.rulesVersion,
      },
      { type: 'client', id: clientId },
    );
    const shown = await (await api(`/Coupon/records/${coupon.id}/show`, 'manager')).json();
    expect(shown.record.params.state).toBe('reserved');
    for (const role of ['master', 'analyst'] as const)
      expect(
        (await post(`/admin/api/resources/Coupon/records/${coupon.id}/revoke`, role, '')).status,
      ).toBe(403);

    const revoked = await (
      await post(`/admin/api/resources/Coupon/records/${coupon.id}/revoke`, 'manager', '')
    ).json();
    expect(revoked.notice).toMatchObject({ type: 'success' });
    expect(panelText(revoked.notice)).toBe(
      "The coupon is revoked. It was held for a visit: that visit's discount is now 4% (was 14%).",
    );
    expect(revoked.record.params.state).toBe('revoked');
    const visit = await h.t.db
      .selectFrom('appointments')
      .select(['coupon_id', 'discount_pct'])
      .where('id', '=', booked.id)
      .executeTakeFirstOrThrow();
    expect(visit.coupon_id).toBeNull();
    expect(Number(visit.discount_pct)).toBe(4);
    const again = await post(
      `/admin/api/resources/Coupon/records/${coupon.id}/revoke`,
      'owner',
      '',
    );
    expect(await again.text()).not.toContain('"type":"success"');
    // A booking never gets a revoked coupon again.
    const requote = await s.loyalty.quote(clientId, 'Волосы', new Date());
    expect(requote).toMatchObject({ coupon: null, total: 4 });
    await expect(
      s.booking.book(
        {
          clientId,
          serviceId,
          masterId,
          startsAt: new Date(tomorrow.getTime() + 2 * 3_600_000),
          channel: 'bot',
          discountPct: 14,
          couponId: coupon.id,
        },
        { type: 'client', id: clientId },
      ),
    ).rejects.toThrow('no longer available');
    const revokedList = await (
      await api('/Coupon/actions/list?filters.state=revoked', 'owner')
    ).json();
    expect(revokedList.records).toHaveLength(1);
  });

  it('lists loyalty cards read-only, found by their number or its first digits', async () => {
    const number = await s.cards.activeCard(clientId);
    for (const query of [
      number,
      number.slice(0, 4),
      `${number.slice(0, 3)} ${number.slice(3, 6)}`,
    ]) {
      const found = await (
        await api(
          `/LoyaltyCard/actions/list?filters.number=${encodeURIComponent(query)}`,
          'manager',
        )
      ).json();
      expect(
        found.records.map((r: { id: string }) => r.id),
        query,
      ).toEqual([number]);
      expect(found.records[0].params).toEqual({
        number,
        client_id: clientId,
        issued_at: expect.any(String),
        revoked_at: null,
      });
    }
    for (const query of ['9', 'abc', `${number}0`]) {
      const found = await (
        await api(`/LoyaltyCard/actions/list?filters.number=${encodeURIComponent(query)}`, 'owner')
      ).json();
      expect(
        found.records.filter((r: { id: string }) => r.id === number),
        query,
      ).toEqual(query === '9' && number.startsWith('9') ? found.records : []);
    }
    const search = await (
      await api(`/LoyaltyCard/actions/search/${number.slice(0, 6)}`, 'admin')
    ).json();
    expect(search.records.map((r: { id: string }) => r.id)).toEqual([number]);
    for (const role of ['master', 'analyst'] as const)
      expect((await api('/LoyaltyCard/actions/list', role)).status, role).toBe(403);
    for (const action of ['new', 'edit', 'delete'])
      expect(
        (
          await post(
            `/admin/api/resources/LoyaltyCard/records/${number}/${action}`,
            'owner',
            'number=1',
          )
        ).status,
        action,
      ).toBe(403);
  });
});
