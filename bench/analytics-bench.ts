/**
 * The owner's analytics at size: 100,000 clients and 1,000,000 visits over two years, three
 * branches in three time zones, referral chains, ratings and campaigns; p50/p95 of every query
 * the analytics pages call (target 300 ms). The base is generated in SQL (generate_series) and
 * kept between runs in its own database, rebuilt when the schema or this generator changes.
 * Personal fields hold ciphertexts made by the product's crypto module (1,000 distinct ones,
 * reused): the queries never read them, but the rows have their real width.
 * Run alone: `npx tsx bench/analytics-bench.ts`.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { DateTime } from 'luxon';
import pg from 'pg';
import { migrations } from '../db/migrations/index.js';
import { createDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import {
  analyticsFreshness,
  campaignFigures,
  churnCounts,
  churnList,
  churnRate,
  clientLtv,
  clientMix,
  clientReferralTree,
  clientSummary,
  cohorts,
  ltvByGroup,
  masterFigures,
  refreshAnalyticsSummary,
  rfmSegments,
  seasonality,
  sourceClients,
  sourceTree,
  weekdayHour,
} from '../src/domain/analytics/index.js';
import type { Db } from '../src/domain/shared/transaction.js';
import { testCrypto } from '../tests/helpers/fixtures.js';
import { chooseTestServer } from '../tests/helpers/test-server.js';
import { median, p95 } from './measure.js';

const CLIENTS = 100_000;
const VISITS = 1_000_000;
const GENERATOR = 'analytics-bench v1';
const ZONE = 'Europe/Moscow';
/** The base's "today": two years of history end here. */
export const BENCH_NOW = DateTime.fromISO('2026-12-01T12:00', { zone: ZONE }).toJSDate();
const TARGET_MS = 300;

/** Schema and generator together: a change to either builds the base again. */
function version(): string {
  return createHash('sha256')
    .update(GENERATOR)
    .update(Object.keys(migrations).join(','))
    .digest('hex')
    .slice(0, 16);
}

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Builds the base in SQL; every id is md5 of a kind and a number, so rows can refer to rows. */
async function build(db: Db): Promise<void> {
  const crypto = await testCrypto({ expectedClients: CLIENTS });
  // One statement each: PostgreSQL takes parameters only in single statements.
  const step = async (label: string, ...queries: ReturnType<typeof sql>[]) => {
    const started = Date.now();
    for (const q of queries) await q.execute(db);
    console.log(`  ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  };
  await sql`CREATE TABLE bench_blobs (i integer PRIMARY KEY, data_key bytea, name bytea, phone bytea, birthday bytea)`.execute(
    db,
  );
  for (let from = 0; from < 1000; from += 250) {
    await db
      .insertInto('bench_blobs' as never)
      .values(
        Array.from({ length: 250 }, (_, k) => {
          const i = from + k;
          const id = `bench-${i}`;
          const key = crypto.newDataKey();
          const place = (column: string) => ({ table: 'clients', column, rowId: id });
          return {
            i,
            data_key: crypto.wrapDataKey(id, key),
            name: crypto.encrypt(key, place('name_enc'), `Имя${i} Фамилия${i % 300}`),
            phone: crypto.encrypt(key, place('phone_enc'), `+7916${String(1_000_000 + i)}`),
            birthday: crypto.encrypt(key, place('birthday_enc'), `${(i % 28) + 1}.${(i % 12) + 1}`),
          };
        }) as never,
      )
      .execute();
  }
  const start = sql`(${BENCH_NOW}::timestamptz - interval '730 days')`;
  await step(
    'branches, services, masters, hours, sources',
    sql`
    INSERT INTO branches (id, name, time_zone)
      VALUES (md5('b0')::uuid, 'Москва', 'Europe/Moscow'),
        (md5('b1')::uuid, 'Екатеринбург', 'Asia/Yekaterinburg'),
        (md5('b2')::uuid, 'Владивосток', 'Asia/Vladivostok')`,
    sql`INSERT INTO services (id, name, category, duration_min, price)
      SELECT md5('v' || k)::uuid, 'Услуга ' || k, (ARRAY['Волосы','Ногти','Лицо','Брови','Массаж'])[1 + k % 5],
        30 + (k % 4) * 30, 1000 + k * 150 FROM generate_series(0, 19) k`,
    sql`INSERT INTO masters (id, branch_id, display_name)
      SELECT md5('m' || k)::uuid, md5('b' || (k % 3))::uuid, 'Мастер ' || k FROM generate_series(0, 29) k`,
    sql`INSERT INTO working_hours (master_id, weekday, starts, ends)
      SELECT md5('m' || k)::uuid, d, '10:00', '20:00' FROM generate_series(0, 29) k, generate_series(1, 6) d`,
    sql`INSERT INTO schedule_exceptions (master_id, day, kind)
      SELECT md5('m' || k)::uuid, (${BENCH_NOW}::date - (k * 7 + 3)), 'off' FROM generate_series(0, 29) k`,
    sql`INSERT INTO acquisition_sources (id, parent_id, name)
      SELECT md5('s' || k)::uuid, NULL, 'Канал ' || k FROM generate_series(0, 4) k`,
    sql`INSERT INTO acquisition_sources (id, parent_id, name)
      SELECT md5('s' || k)::uuid, md5('s' || (k % 5))::uuid, 'Подканал ' || k FROM generate_series(5, 19) k;`,
  );
  // Clients join evenly over the two years; one in ten was brought by an earlier client.
  await step(
    `${CLIENTS.toLocaleString('en')} clients`,
    sql`
    INSERT INTO clients (id, data_key, name_enc, phone_enc, birthday_enc, phone_bidx, birthday_bidx,
        telegram_user_id, locale, source_id, referrer_id, referral_code, home_branch_id,
        marketing_opt_in, created_at, updated_at)
    SELECT md5('c' || n)::uuid, b.data_key, b.name, b.phone, b.birthday, n, n % 366,
      1000000 + n, 'ru',
      CASE WHEN n % 10 = 0 AND n > 30 THEN NULL WHEN n % 7 = 0 THEN NULL ELSE md5('s' || (n % 20))::uuid END,
      CASE WHEN n % 10 = 0 AND n > 30 THEN md5('c' || (n / 3))::uuid END,
      'R' || n, md5('b' || (n % 3))::uuid, n % 4 <> 0,
      ${start} + (n::float8 / ${CLIENTS}) * interval '720 days',
      ${start} + (n::float8 / ${CLIENTS}) * interval '720 days'
    FROM generate_series(1, ${CLIENTS}) n JOIN bench_blobs b ON b.i = n % 1000`,
  );
  await step(
    'referrals',
    sql`
    INSERT INTO referrals (referrer_id, referred_id, status, created_at, qualified_at)
    SELECT c.referrer_id, c.id, CASE WHEN random() < 0.6 THEN 'qualified' ELSE 'pending' END,
      c.created_at, c.created_at + interval '20 days'
    FROM clients c WHERE c.referrer_id IS NOT NULL`,
    sql`UPDATE referrals SET qualified_at = NULL WHERE status = 'pending'`,
  );
  // Visits: a client is picked with a bias to the early ones (they have had longer), on a day
  // between their joining and today, at a local opening hour.
  await step(
    `${VISITS.toLocaleString('en')} visits`,
    sql`
    INSERT INTO appointments (branch_id, master_id, service_id, client_id, starts_at, ends_at,
        blocked_until, status, price, amount_paid, channel, created_at, updated_at)
    SELECT m.branch_id, m.id, s.id, c.id, x.starts, x.starts + make_interval(mins => s.duration_min),
      x.starts + make_interval(mins => s.duration_min), x.status, s.price,
      CASE WHEN x.status = 'done' THEN s.price END, 'bot',
      x.starts - interval '3 days', x.starts
    FROM (
      SELECT g,
        1 + floor(power(random(), 1.3) * ${CLIENTS})::int AS n,
        floor(random() * 10)::int AS mk, floor(random() * 20)::int AS sk,
        random() AS r, random() AS when_r, floor(random() * 9)::int AS hour
      FROM generate_series(1, ${VISITS}) g
    ) p
    JOIN clients c ON c.id = md5('c' || p.n)::uuid
    JOIN masters m ON m.id = md5('m' || ((p.n % 3) + 3 * p.mk))::uuid
    JOIN services s ON s.id = md5('v' || p.sk)::uuid
    JOIN branches b ON b.id = m.branch_id
    CROSS JOIN LATERAL (SELECT
      (date_trunc('day', (c.created_at + p.when_r * (${BENCH_NOW}::timestamptz - interval '1 day' - c.created_at)) AT TIME ZONE b.time_zone)
        + make_interval(hours => 10 + p.hour)) AT TIME ZONE b.time_zone AS starts,
      CASE WHEN p.r < 0.86 THEN 'done' WHEN p.r < 0.92 THEN 'no_show' ELSE 'cancelled' END AS status) x`,
  );
  await step(
    'ratings',
    sql`
    INSERT INTO visit_feedback (appointment_id, client_id, score, created_at)
    SELECT a.id, a.client_id, (ARRAY[1,2,3,4,4,5,5,5,5,5])[1 + floor(random() * 10)::int], a.ends_at
    FROM appointments a WHERE a.status = 'done' AND random() < 0.25`,
  );
  await step(
    'campaigns: coupons, greetings and their messages',
    sql`
    INSERT INTO coupons (id, code, client_id, kind, percent, valid_from, valid_until, redeemed_at, created_at)
    SELECT md5('k' || n)::uuid, 'K' || n, md5('c' || n)::uuid,
      (ARRAY['birthday','winback','manual'])[1 + n % 3], 10,
      ${start} + (n % 700) * interval '1 day', ${start} + (n % 700 + 30) * interval '1 day',
      CASE WHEN n % 5 = 0 THEN ${start} + (n % 700 + 10) * interval '1 day' END,
      ${start} + (n % 700) * interval '1 day'
    FROM generate_series(1, ${CLIENTS}, 2) n`,
    sql`INSERT INTO greeting_messages (greeting, occurrence, client_id, coupon_id, sent_at)
    SELECT CASE WHEN n % 6 = 1 THEN 'birthday' WHEN n % 6 = 3 THEN 'winback' ELSE 'holiday:' || md5('h')::uuid END,
      'o' || n, md5('c' || n)::uuid, CASE WHEN n % 6 IN (1, 3) THEN md5('k' || n)::uuid END,
      ${start} + (n % 700) * interval '1 day'
    FROM generate_series(1, ${CLIENTS}, 2) n`,
    sql`INSERT INTO outbox (dedupe_key, chat_id, client_id, kind, payload_enc, status, created_at, sent_at)
    SELECT 'greeting:' || m.greeting || ':' || m.occurrence || ':' || m.client_id, 1, m.client_id,
      'greeting', (SELECT name FROM bench_blobs WHERE i = 1),
      CASE WHEN random() < 0.95 THEN 'sent' ELSE 'dead' END, m.sent_at, m.sent_at
    FROM greeting_messages m`,
  );
  await sql`DROP TABLE bench_blobs`.execute(db);
  await step('ANALYZE', sql`ANALYZE`);
}

interface Figure {
  name: string;
  ms: number[];
}

async function measure(name: string, runs: number, fn: () => Promise<unknown>): Promise<Figure> {
  const warm = process.hrtime.bigint();
  await fn(); // warm: plans and caches, as a page that has been opened once
  // Far over target, a few runs say as much as many (and keep the bench within minutes).
  if (Number(process.hrtime.bigint() - warm) / 1e6 > 5000) runs = Math.min(runs, 2);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const p50 = median(ms);
  const p = p95(ms);
  console.log(
    `${name.padEnd(52)} median ${p50.toFixed(1)} ms  p95 ${p.toFixed(1)} ms  (n=${runs}) ${p <= TARGET_MS ? 'ok' : `OVER ${TARGET_MS} ms`}`,
  );
  return { name, ms };
}

export async function analyticsBench(serverUrl: string, runs = 7): Promise<Figure[]> {
  const name = 'clientele_analytics_bench';
  const url = await ensureDatabase(serverUrl, name);
  let handle = createDatabase(url, { max: 4 });
  const want = version();
  const have = await sql<{ version: string }>`SELECT version FROM bench_meta`
    .execute(handle.db)
    .then((r) => r.rows[0]?.version)
    .catch(() => undefined);
  if (have !== want) {
    await handle.close();
    await dropDatabase(serverUrl, name);
    await ensureDatabase(serverUrl, name);
    handle = createDatabase(url, { max: 4 });
    console.log(
      `analytics base: building ${CLIENTS.toLocaleString('en')} clients / ${VISITS.toLocaleString('en')} visits (${want})`,
    );
    const started = Date.now();
    await migrateToLatest(handle.db);
    await build(handle.db);
    await sql`CREATE TABLE bench_meta (version text NOT NULL)`.execute(handle.db);
    await sql`INSERT INTO bench_meta VALUES (${want})`.execute(handle.db);
    console.log(`analytics base built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } else {
    console.log(`analytics base: reusing ${name} (${want})`);
  }
  const db = handle.db;
  try {
    const [counts] = (
      await sql<{ clients: string; visits: string }>`
        SELECT (SELECT count(*) FROM clients) AS clients, (SELECT count(*) FROM appointments) AS visits`.execute(
        db,
      )
    ).rows;
    console.log(`analytics on ${counts?.clients} clients / ${counts?.visits} visits:`);
    const now = BENCH_NOW;
    const timed = async (label: string, fn: () => Promise<unknown>) => {
      const t0 = Date.now();
      const out = await fn();
      console.log(
        `${label.padEnd(52)} ${((Date.now() - t0) / 1000).toFixed(1)} s (${String(out)})`,
      );
    };
    if (
      (await analyticsFreshness(db)).pendingMonths > 0 ||
      (await analyticsFreshness(db)).pendingClients > 0
    )
      await timed('summary refresh, from scratch', () => refreshAnalyticsSummary(db, now));
    // A day's worth of change: 500 visits of the last month completed again.
    await sql`UPDATE appointments SET updated_at = updated_at WHERE id IN (
      SELECT id FROM appointments WHERE status = 'done' ORDER BY starts_at DESC LIMIT 500)`.execute(
      db,
    );
    await timed('summary refresh, 500 changed visits', () => refreshAnalyticsSummary(db, now));
    const year = { zone: ZONE, from: '2025-12-01', to: '2026-11-30' };
    const month = { zone: ZONE, from: '2026-11-01', to: '2026-11-30' };
    const branch = (await db.selectFrom('branches').select('id').orderBy('name').executeTakeFirst())
      ?.id;
    const channel = (
      await db
        .selectFrom('acquisition_sources')
        .select('id')
        .where('parent_id', 'is', null)
        .orderBy('name')
        .executeTakeFirst()
    )?.id;
    const referrer = (
      await db
        .selectFrom('referrals')
        .select('referrer_id')
        .groupBy('referrer_id')
        .orderBy(sql`count(*)`, 'desc')
        .executeTakeFirst()
    )?.referrer_id;
    const someClient = (
      await db
        .selectFrom('clients')
        .select('id')
        .where('referral_code', '=', 'R500')
        .executeTakeFirst()
    )?.id;
    const figures: Figure[] = [];
    const m = async (label: string, fn: () => Promise<unknown>) =>
      figures.push(await measure(label, runs, fn));
    await m('seasonality, 12 months vs last year', () =>
      seasonality(db, { ...year, compare: 'last-year' }),
    );
    await m('seasonality, 1 branch, 1 month vs previous', () =>
      seasonality(db, { ...month, compare: 'previous', ...(branch ? { branchId: branch } : {}) }),
    );
    await m('weekday × hour, 12 months', () => weekdayHour(db, year));
    await m('source tree, 12 months', () => sourceTree(db, year));
    await m('source drill-down, 50 clients', () => sourceClients(db, year, channel ?? null));
    await m("client's referral tree", () => clientReferralTree(db, referrer ?? ''));
    await m('cohort triangle, 12 months', () => cohorts(db, year));
    await m('churn: at-risk list, top 100 by value', () => churnList(db, now, { limit: 100 }));
    await m('churn: clients per state', () => churnCounts(db, now));
    await m('churn rate per month, 12 months', () => churnRate(db, year, now));
    await m('LTV per client, top 100', () => clientLtv(db, now, { zone: ZONE }));
    await m('LTV per source', () => ltvByGroup(db, now, 'source', { zone: ZONE }));
    await m('RFM segments, 12 months', () => rfmSegments(db, now));
    await m('new vs returning, 12 months', () => clientMix(db, year));
    await m('client card summary', () => clientSummary(db, someClient ?? '', now));
    await m('masters, 1 month', () => masterFigures(db, month));
    await m('masters, 12 months', () => masterFigures(db, year));
    await m('campaigns, 12 months', () => campaignFigures(db, year));
    const over = figures.filter((f) => p95(f.ms) > TARGET_MS);
    console.log(
      `analytics: ${figures.length - over.length} of ${figures.length} queries within ${TARGET_MS} ms at p95`,
    );
    return figures;
  } finally {
    await handle.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await chooseTestServer();
  try {
    await analyticsBench(server.url);
  } finally {
    await server.embedded?.stop();
  }
  process.exit(0);
}
