import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { type DemoReport, generateDemoSalon } from '../../src/demo/generate-salon.js';
import { CLIENT_MESSAGES } from '../../src/demo/salon-data.js';
import {
  type HistoricalClient,
  recordClientHistory,
} from '../../src/domain/clients/client-history.js';
import { currentConsents } from '../../src/domain/onboarding/consents.js';
import { readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { salonStats } from '../../src/domain/stats/salon-stats.js';
import { type HistoricalVisit, recordVisitHistory } from '../../src/domain/visits/visit-history.js';
import { createServices, type Services } from '../../src/runtime.js';
import { salonTime } from '../helpers/clock.js';
import { captureLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

// Four months that hold the December and 8 March peaks and the January lull.
const { now: NOW } = salonTime('2026-03-20T09:00:00Z');
const SIZE = { clients: 200, months: 4 };
const SEED = 4242;

interface Generated {
  t: TestDatabase;
  crypto: Crypto;
  services: Services;
  report: DemoReport;
  logs: () => string;
}

async function generate(label: string): Promise<Generated> {
  const t = await createTestDatabase(label);
  const crypto = await testCrypto();
  const { logger, output } = captureLogger('info');
  const services = createServices({ db: t.db, crypto, logger });
  const report = await generateDemoSalon(
    { db: t.db, crypto, services },
    { seed: SEED, size: SIZE, now: NOW },
  );
  return { t, crypto, services, report, logs: output };
}

/** Clients in joining order, decrypted, and visit starts in order: what "the same salon" means. */
async function fingerprint(g: Generated) {
  const rows = await g.t.db.selectFrom('clients').select(['id', 'created_at']).execute();
  const clients = await g.services.clients.findManyById(rows.map((r) => r.id));
  const joined = rows.map((r) => `${r.created_at.toISOString()} ${clients.get(r.id)?.name}`).sort();
  const visits = await g.t.db
    .selectFrom('appointments as a')
    .innerJoin('masters as m', 'm.id', 'a.master_id')
    .select(['a.starts_at', 'a.status', 'm.display_name'])
    .orderBy('a.starts_at')
    .orderBy('m.display_name')
    .execute();
  return {
    names: [...clients.values()].map((c) => c.name),
    joined,
    visits: visits.map((v) => `${v.starts_at.toISOString()} ${v.display_name} ${v.status}`),
  };
}

async function counts(g: Generated): Promise<Record<string, number>> {
  const tables = [
    'branches',
    'masters',
    'services',
    'staff_users',
    'clients',
    'referrals',
    'appointments',
    'visit_feedback',
    'coupons',
    'greeting_messages',
    'acquisition_sources',
    'working_hours',
    'schedule_exceptions',
    'points_ledger',
  ] as const;
  const out: Record<string, number> = {};
  for (const table of tables) {
    const { n } = await g.t.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(n);
  }
  return out;
}

describe('the demo salon', () => {
  let a: Generated;
  let b: Generated;
  beforeAll(async () => {
    a = await generate('demo_a');
    b = await generate('demo_b');
  }, 240_000);
  afterAll(async () => {
    await a?.t.drop();
    await b?.t.drop();
  });

  it('is the same salon from the same seed: counts, decrypted names, visit times', async () => {
    expect(await counts(b)).toEqual(await counts(a));
    const [fa, fb] = [await fingerprint(a), await fingerprint(b)];
    expect(fa.names).toHaveLength(SIZE.clients);
    expect(fa.names.every((n) => typeof n === 'string' && n.length > 3)).toBe(true);
    expect(fb.names.sort()).toEqual(fa.names.sort());
    expect(fb.joined).toEqual(fa.joined);
    expect(fb.visits).toEqual(fa.visits);
    expect(b.report.counts).toEqual(a.report.counts);
  });

  it('has the catalogue, staff and sources the brief asks for', async () => {
    const c = await counts(a);
    expect(c).toMatchObject({ branches: 2, masters: 8, services: 30, clients: SIZE.clients });
    const zones = await a.t.db.selectFrom('branches').select('time_zone').execute();
    expect(new Set(zones.map((z) => z.time_zone))).toEqual(
      new Set(['Europe/Moscow', 'Asia/Yekaterinburg']),
    );
    const categories = await a.t.db.selectFrom('services').select('category').distinct().execute();
    expect(categories).toHaveLength(5);
    const roles = await a.t.db
      .selectFrom('staff_users')
      .select(['role', 'must_change_password'])
      .execute();
    expect(new Set(roles.map((r) => r.role))).toEqual(
      new Set(['owner', 'admin', 'manager', 'master', 'analyst']),
    );
    expect(roles.every((r) => r.must_change_password)).toBe(true);
    expect(a.report.accounts.every((acc) => acc.password.length >= 12)).toBe(true);
    // Every master has hours and services; one is linked to the master's account.
    const withoutHours = await sql<{ n: string }>`SELECT count(*) AS n FROM masters m
      WHERE NOT EXISTS (SELECT 1 FROM working_hours h WHERE h.master_id = m.id)
         OR NOT EXISTS (SELECT 1 FROM master_services s WHERE s.master_id = m.id)`.execute(a.t.db);
    expect(Number(withoutHours.rows[0]?.n)).toBe(0);
    // A source tree (Instagram → Stories …) and clients from several sources.
    const nested = await a.t.db
      .selectFrom('acquisition_sources')
      .select('id')
      .where('parent_id', 'is not', null)
      .execute();
    expect(nested.length).toBeGreaterThanOrEqual(2);
    const bySource = await a.t.db
      .selectFrom('clients')
      .select('source_id')
      .distinct()
      .where('source_id', 'is not', null)
      .execute();
    expect(bySource.length).toBeGreaterThanOrEqual(5);
  });

  it('books no master twice and only within their hours, in the branch zone', async () => {
    const overlaps = await sql<{ n: string }>`
      SELECT count(*) AS n FROM appointments x JOIN appointments y
        ON x.master_id = y.master_id AND x.id < y.id
       AND tstzrange(x.starts_at, x.blocked_until) && tstzrange(y.starts_at, y.blocked_until)
      WHERE x.status <> 'cancelled' AND y.status <> 'cancelled'`.execute(a.t.db);
    expect(Number(overlaps.rows[0]?.n)).toBe(0);
    const visits = await a.t.db
      .selectFrom('appointments as a')
      .innerJoin('branches as b', 'b.id', 'a.branch_id')
      .innerJoin('masters as m', 'm.id', 'a.master_id')
      .select([
        'a.master_id',
        'a.starts_at',
        'a.ends_at',
        'b.time_zone',
        'm.branch_id',
        'a.branch_id as visit_branch',
      ])
      .execute();
    const hours = await a.t.db.selectFrom('working_hours').selectAll().execute();
    const exceptions = await a.t.db.selectFrom('schedule_exceptions').selectAll().execute();
    const outside = visits.filter((v) => {
      const start = DateTime.fromJSDate(v.starts_at, { zone: v.time_zone });
      const end = DateTime.fromJSDate(v.ends_at, { zone: v.time_zone });
      const day = start.toISODate();
      const own = exceptions.filter((e) => e.master_id === v.master_id && e.day === day);
      const intervals = own.length
        ? own.filter((e) => e.kind === 'hours').map((e) => [e.starts ?? '', e.ends ?? ''])
        : hours
            .filter((h) => h.master_id === v.master_id && h.weekday === start.weekday)
            .map((h) => [h.starts, h.ends]);
      const from = start.toFormat('HH:mm:ss');
      const to = end.toISODate() === day ? end.toFormat('HH:mm:ss') : '24:00:00';
      return (
        v.branch_id !== v.visit_branch ||
        !intervals.some(([s, e]) => from >= (s ?? '') && to <= (e ?? ''))
      );
    });
    expect(visits.length).toBeGreaterThan(1000);
    expect(outside).toEqual([]);
  });

  it('has done, cancelled, no-show and coming visits, each consistent', async () => {
    const rows = await sql<{ status: string; n: string; unpaid: string; future: string }>`
      SELECT status, count(*) AS n,
        count(*) FILTER (WHERE amount_paid IS NULL) AS unpaid,
        count(*) FILTER (WHERE starts_at > ${NOW}) AS future
      FROM appointments GROUP BY status`.execute(a.t.db);
    const by = Object.fromEntries(rows.rows.map((r) => [r.status, r]));
    expect(Number(by.done?.n)).toBeGreaterThan(500);
    expect(Number(by.done?.unpaid)).toBe(0);
    expect(Number(by.done?.future)).toBe(0);
    expect(Number(by.cancelled?.n)).toBeGreaterThan(10);
    expect(Number(by.no_show?.n)).toBeGreaterThan(5);
    expect(Number(by.no_show?.unpaid)).toBe(Number(by.no_show?.n));
    const coming = Number(by.booked?.n ?? 0) + Number(by.confirmed?.n ?? 0);
    expect(coming).toBeGreaterThan(20);
    expect(Number(by.booked?.future ?? 0) + Number(by.confirmed?.future ?? 0)).toBe(coming);
    const cancelled = await a.t.db
      .selectFrom('appointments')
      .select('id')
      .where('status', '=', 'cancelled')
      .where((eb) => eb.or([eb('cancelled_at', 'is', null), eb('cancelled_by', 'is', null)]))
      .execute();
    expect(cancelled).toEqual([]);
  });

  it('has referral chains three levels deep, none deeper, and qualified friends', async () => {
    const depth = await sql<{ depth: number }>`
      WITH RECURSIVE up(id, depth) AS (
        SELECT referred_id, 1 FROM referrals r
          WHERE NOT EXISTS (SELECT 1 FROM referrals p WHERE p.referred_id = r.referrer_id)
        UNION ALL SELECT r.referred_id, up.depth + 1 FROM referrals r JOIN up ON r.referrer_id = up.id)
      SELECT max(depth) AS depth FROM up`.execute(a.t.db);
    expect(Number(depth.rows[0]?.depth)).toBe(3);
    const stats = await salonStats(a.t.db, NOW);
    expect(stats.referrals.qualified).toBeGreaterThan(0);
    // A friend qualifies at their first paid visit, never before joining.
    const early = await sql<{ n: string }>`SELECT count(*) AS n FROM referrals r
      JOIN clients c ON c.id = r.referred_id WHERE r.qualified_at < c.created_at`.execute(a.t.db);
    expect(Number(early.rows[0]?.n)).toBe(0);
  });

  it('is busier before New Year and 8 March than in the January lull', async () => {
    const perDay = async (from: string, to: string) => {
      const { n } = await a.t.db
        .selectFrom('appointments')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('starts_at', '>=', new Date(`${from}T00:00:00+03:00`))
        .where('starts_at', '<', new Date(`${to}T00:00:00+03:00`))
        .executeTakeFirstOrThrow();
      const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
      return Number(n) / days;
    };
    const lull = await perDay('2026-01-01', '2026-01-11');
    const winter = await perDay('2026-01-12', '2026-02-15');
    expect(await perDay('2025-12-15', '2025-12-31')).toBeGreaterThan(winter * 1.25);
    expect(await perDay('2026-03-01', '2026-03-08')).toBeGreaterThan(winter * 1.25);
    expect(winter).toBeGreaterThan(lull);
  });

  it('has ratings (mostly good, some low with comments), greetings and coupons', async () => {
    const stats = await salonStats(a.t.db, NOW);
    expect(stats.ratings.count).toBeGreaterThan(100);
    expect(stats.ratings.average).toBeGreaterThan(4);
    expect(stats.ratings.low).toBeGreaterThan(0);
    expect(stats.visitsLast30.done).toBeGreaterThan(0);
    expect(stats.revenueLast30).toBeGreaterThan(0);
    expect(stats.clients.inTelegram).toBeGreaterThan(0);
    expect(stats.clients.marketing).toBeGreaterThan(0);
    const commented = await a.t.db
      .selectFrom('visit_feedback')
      .select(['appointment_id', 'score'])
      .where('comment_enc', 'is not', null)
      .execute();
    expect(commented.length).toBeGreaterThan(5);
    const feedback = await a.services.visits.feedbackOf(commented[0]?.appointment_id ?? '');
    expect(feedback?.comment?.length).toBeGreaterThan(3);
    const greetings = await a.t.db
      .selectFrom('greeting_messages')
      .select(['greeting', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('greeting')
      .execute();
    expect(greetings.some((c) => c.greeting === 'birthday')).toBe(true);
    expect(greetings.some((c) => c.greeting.startsWith('holiday:'))).toBe(true);
    const redeemed = await a.t.db
      .selectFrom('coupons as c')
      .innerJoin('appointments as v', 'v.id', 'c.redeemed_on')
      .select([
        'v.coupon_id',
        'c.id',
        'v.discount_pct',
        'c.percent',
        'v.client_id',
        'c.client_id as owner',
      ])
      .execute();
    expect(redeemed.length).toBeGreaterThan(0);
    for (const r of redeemed) {
      expect(r.coupon_id).toBe(r.id);
      expect(Number(r.discount_pct)).toBe(Number(r.percent));
      expect(r.client_id).toBe(r.owner);
    }
    // The greetings went out: sent, and readable as the outbox screen reads them.
    const sent = await a.t.db
      .selectFrom('outbox')
      .select(['dedupe_key', 'payload_enc', 'status', 'sent_at'])
      .where('kind', '=', 'birthday')
      .limit(5)
      .execute();
    expect(sent.length).toBeGreaterThan(0);
    for (const row of sent) {
      expect(row.status).toBe('sent');
      expect(row.sent_at?.getTime()).toBeLessThan(NOW.getTime());
      expect(readOutboxMessage(a.crypto, row).text).toMatch(/BD-[A-Z0-9]{8}/);
    }
    const pending = await a.t.db
      .selectFrom('outbox')
      .select('id')
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toEqual([]);
  });

  it('stores nothing personal in plain text, in any column of any table, nor in its logs', async () => {
    const all = await a.services.clients.list({ limit: 500, offset: 0 });
    expect(all).toHaveLength(SIZE.clients);
    const secrets = new Set<string>();
    for (const c of all) {
      for (const value of [c.name, c.phone, c.notes, c.allergies]) if (value) secrets.add(value);
      // Tags are encrypted too; short ones ('VIP') could match unrelated text, long ones cannot.
      for (const tag of c.tags) if (tag.length >= 10) secrets.add(tag);
      if (c.phone) secrets.add(c.phone.slice(1));
    }
    const comments = await a.t.db
      .selectFrom('visit_feedback')
      .select('appointment_id')
      .where('comment_enc', 'is not', null)
      .execute();
    for (const row of comments) {
      const f = await a.services.visits.feedbackOf(row.appointment_id);
      if (f?.comment) secrets.add(f.comment);
    }
    for (const text of CLIENT_MESSAGES) secrets.add(text);
    const messages = await a.services.messages.latest(50);
    expect(messages.length).toBeGreaterThan(0);
    expect(CLIENT_MESSAGES).toContain(messages[0]?.body);
    expect(secrets.size).toBeGreaterThan(SIZE.clients);
    const tables = await sql<{
      table_name: string;
    }>`SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(a.t.db);
    let dump = '';
    for (const { table_name } of tables.rows) {
      const rows = await sql<{
        row: string;
      }>`SELECT t::text AS row FROM ${sql.table(table_name)} t`.execute(a.t.db);
      dump += rows.rows.map((r) => r.row).join('\n');
    }
    expect(dump.length).toBeGreaterThan(100_000);
    const found = [...secrets].filter((s) => dump.includes(s));
    expect(found).toEqual([]);
    const logs = a.logs();
    expect([...secrets].filter((s) => logs.includes(s))).toEqual([]);
  });

  it('refuses bad history with a message naming the rule, and writes none of it', async () => {
    const g = a;
    const master = await g.t.db
      .selectFrom('masters as m')
      .innerJoin('master_services as ms', 'ms.master_id', 'm.id')
      .select(['m.id', 'ms.service_id'])
      .where('m.display_name', '=', 'Дмитрий Волков')
      .executeTakeFirstOrThrow();
    const client = await g.t.db
      .selectFrom('clients')
      .select('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    // A Wednesday at 12:00 Moscow time, well before the salon's history starts.
    const noon = new Date('2024-01-10T09:00:00Z');
    const visit = (over: Partial<HistoricalVisit>): HistoricalVisit => ({
      id: randomUUID(),
      masterId: master.id,
      serviceId: master.service_id,
      clientId: client.id,
      startsAt: noon,
      status: 'done',
      bookedAt: new Date(noon.getTime() - 86_400_000),
      channel: 'panel',
      createdByStaffId: null,
      discountPct: 0,
      amountPaid: 1500,
      pointsSpent: 0,
      cancelledBy: null,
      cancelledAt: null,
      completedByStaffId: null,
      couponId: null,
      feedback: null,
      ...over,
    });
    const before = await counts(g);
    const attempt = (visits: HistoricalVisit[]) =>
      g.t.db
        .transaction()
        .execute((tx) =>
          recordVisitHistory(tx, g.crypto, visits, { type: 'system', id: 'test' }, NOW),
        );
    const cases: [HistoricalVisit[], RegExp][] = [
      [
        [visit({}), visit({ startsAt: new Date(noon.getTime() + 15 * 60_000) })],
        /visit 1: startsAt: overlap/,
      ],
      [[visit({ startsAt: new Date('2024-01-10T03:00:00Z') })], /visit 0: startsAt: outside-hours/],
      [[visit({ amountPaid: null })], /visit 0: amountPaid: invalid/],
      [[visit({ amountPaid: -5 })], /visit 0: amountPaid: invalid/],
      [[visit({ status: 'booked', amountPaid: null })], /visit 0: status: active-in-past/],
      [[visit({ masterId: randomUUID() })], /visit 0: masterId: invalid/],
      [[visit({ serviceId: randomUUID() })], /visit 0: serviceId: not-offered/],
      [[visit({ feedback: { score: 9, comment: null } })], /visit 0: score: invalid/],
      [[visit({ feedback: { score: 5, comment: 'x'.repeat(5000) } })], /visit 0: comment: invalid/],
      [[visit({ couponId: randomUUID() })], /visit 0: couponId: unavailable/],
      [[visit({ status: 'cancelled', amountPaid: null })], /visit 0: cancelledBy: invalid/],
    ];
    for (const [visits, message] of cases)
      await expect(attempt(visits), String(message)).rejects.toThrow(message);
    expect(await counts(g)).toEqual(before);
    // The one good visit goes in, audited.
    expect(await attempt([visit({})])).toBe(1);
    expect((await counts(g)).appointments).toBe((before.appointments ?? 0) + 1);
  });

  it('records clients in bulk that ClientService reads and finds as its own, and refuses bad ones', async () => {
    const g = a;
    const joinedAt = new Date('2025-05-05T10:00:00Z');
    const entry = (input: Partial<HistoricalClient['input']>): HistoricalClient => ({
      input: {
        name: 'Зоя Проверкина',
        phone: '+7 916 555-01-02',
        birthday: { day: 29, month: 2, year: 1996 },
        notes: 'Любит зелёный чай',
        allergies: 'Аллергия на латекс',
        locale: 'ru',
        telegramUserId: 123_456_789,
        tags: ['VIP'],
        ...input,
      },
      joinedAt,
      consents: { health: true, marketing: false, channel: 'telegram' },
      actor: { type: 'client', id: 'tg:123456789' },
    });
    const before = await counts(g);
    const bad: [Partial<HistoricalClient['input']>, RegExp][] = [
      [{ phone: '12' }, /client 1: phone: invalid/],
      [{ name: '   ' }, /client 1: name: required/],
      [{ notes: 'x'.repeat(5000) }, /client 1: notes: too-long/],
      [{ birthday: { day: 31, month: 2, year: 1990 } }, /client 1: birthday: invalid/],
      [{ homeBranchId: 'not-a-branch' }, /client 1: homeBranchId: invalid/],
      [{ locale: 'de' }, /client 1: locale: invalid/],
    ];
    for (const [input, message] of bad)
      await expect(
        g.t.db
          .transaction()
          .execute((tx) =>
            recordClientHistory(tx, g.crypto, g.services.clients, [
              entry({ phone: '+7 916 555-01-09', telegramUserId: 99 }),
              entry(input),
            ]),
          ),
        String(message),
      ).rejects.toThrow(message);
    expect(await counts(g)).toEqual(before);

    const [made] = await g.t.db
      .transaction()
      .execute((tx) => recordClientHistory(tx, g.crypto, g.services.clients, [entry({})]));
    const read = await g.services.clients.findById(made?.id ?? '');
    expect(read).toMatchObject({
      name: 'Зоя Проверкина',
      phone: '+79165550102',
      birthday: { day: 29, month: 2, year: 1996 },
      notes: 'Любит зелёный чай',
      allergies: 'Аллергия на латекс',
      telegramUserId: 123_456_789,
      tags: ['VIP'],
      marketingOptIn: false,
      referralCode: made?.referralCode,
      createdAt: joinedAt,
    });
    expect((await g.services.clients.findByPhone('8 916 555 01 02')).map((c) => c.id)).toEqual([
      made?.id,
    ]);
    expect((await g.services.clients.findByName('проверкина зоя')).map((c) => c.id)).toEqual([
      made?.id,
    ]);
    expect((await g.services.clients.findByBirthday(2, 29)).map((c) => c.id)).toContain(made?.id);
    expect(await currentConsents(g.t.db, made?.id ?? '')).toEqual({
      personal_data: true,
      health_data: true,
      marketing: false,
    });
    const audit = await g.t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'details'])
      .where('entity_id', '=', made?.id ?? '')
      .execute();
    expect(audit).toEqual([
      {
        action: 'create',
        actor_type: 'client',
        details: { fields: expect.arrayContaining(['name', 'phone']) },
      },
    ]);
  });
});
