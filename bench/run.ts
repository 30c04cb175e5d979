/**
 * npm run bench: medians of the hot paths, with the machine noted. Uses the PostgreSQL the tests
 * use (TEST_DATABASE_URL, else 127.0.0.1:5432, else an embedded one) and the fake Bot API.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '@grammyjs/runner';
import { Bot } from 'grammy';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { createChatLocks } from '../src/bot/chat-lock.js';
import { type ClienteleBot, createBot } from '../src/bot/create-bot.js';
import { startPolling } from '../src/bot/polling.js';
import type { Database } from '../src/db/schema.js';
import { composeOffers, readOfferRows } from '../src/domain/booking/offers.js';
import { createServices, type Services } from '../src/runtime.js';
import { startFakeBotApi } from '../tests/helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../tests/helpers/fixtures.js';
import { createTestDatabase } from '../tests/helpers/test-db.js';
import { chooseTestServer } from '../tests/helpers/test-server.js';
import { analyticsBench } from './analytics-bench.js';
import { birthdayBench, dispatcherBench } from './greeting-bench.js';
import { figure, median, p95, report, reported, timeBatches, timeEach } from './measure.js';
import { productWalk, startupBench } from './process-bench.js';
import { searchBench } from './search-bench.js';
import { bareWalk, clienteleWalk, type WalkResult } from './walk-bench.js';

/** Updates per second a bot handles from the fake Bot API, `users` chats sending `perUser` each. */
async function throughput(
  make: (apiRoot: string, token: string) => Promise<{ stop(): Promise<void> }>,
  users = 50,
  perUser = 20,
) {
  const fake = await startFakeBotApi();
  const bot = await make(fake.apiRoot, fake.token);
  const people = Array.from({ length: users }, () => fake.user({ language_code: 'en' }));
  const started = Date.now();
  for (let i = 0; i < perUser; i++) for (const p of people) p.send('/help');
  await Promise.all(people.map((p) => p.replies(perUser, { timeoutMs: 60_000 })));
  const seconds = (Date.now() - started) / 1000;
  await bot.stop();
  await fake.close();
  return (users * perUser) / seconds;
}

/**
 * Free-slot search for one busy master over the 30-day horizon, and booking confirmation latency
 * with 100 clients at once: each on a different free time, then all on the same one.
 */
async function bookingBench(services: Services, db: Kysely<Database>): Promise<void> {
  const zone = 'Europe/Moscow';
  const now = DateTime.fromISO('2030-01-07T08:00', { zone }).toJSDate(); // a Monday
  const branch = await db
    .insertInto('branches')
    .values({ name: 'Bench', time_zone: zone })
    .returning('id')
    .executeTakeFirstOrThrow();
  const service = await db
    .insertInto('services')
    .values({ name: 'Cut', duration_min: 60, buffer_min: 15, price: 2000 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const masters = await db
    .insertInto('masters')
    .values(Array.from({ length: 10 }, (_, i) => ({ branch_id: branch.id, display_name: `M${i}` })))
    .returning('id')
    .execute();
  for (const m of masters) {
    await db
      .insertInto('master_services')
      .values({ master_id: m.id, service_id: service.id })
      .execute();
    await db
      .insertInto('working_hours')
      .values(
        [1, 2, 3, 4, 5, 6].flatMap((weekday) => [
          { master_id: m.id, weekday, starts: '10:00', ends: '14:00' },
          { master_id: m.id, weekday, starts: '15:00', ends: '20:00' },
        ]),
      )
      .execute();
  }
  const busy = masters[0]?.id ?? '';
  await db
    .insertInto('schedule_exceptions')
    .values([
      { master_id: busy, day: '2030-01-15', kind: 'off' },
      { master_id: busy, day: '2030-01-22', kind: 'hours', starts: '12:00', ends: '16:00' },
    ])
    .execute();
  // Three visits a working day for the busy master.
  const system = { type: 'system' as const, id: null };
  const first = await services.booking.offers(service.id, busy, now);
  for (const offer of first.filter((o) =>
    ['10:00', '15:00', '17:30'].includes(
      DateTime.fromJSDate(o.startsAt, { zone }).toFormat('HH:mm'),
    ),
  )) {
    await services.booking.book(
      {
        clientId: null,
        serviceId: service.id,
        masterId: busy,
        startsAt: offer.startsAt,
        channel: 'panel',
      },
      system,
      now,
    );
  }
  const visits = await db
    .selectFrom('appointments')
    .select('id')
    .where('master_id', '=', busy)
    .execute();
  // The engine: the pure computation over what the search read (one read, many runs).
  const one = await readOfferRows(db, service.id, busy, now);
  const all = await readOfferRows(db, service.id, null, now);
  if (!one || !all) throw new Error('the bench salon has no masters');
  const slots = composeOffers(one).length;
  const engine = (name: string, rows: typeof one, limit: number) => {
    const { wallMs, cpuMs } = timeBatches(25, 20, () => composeOffers(rows));
    figure({
      name,
      value: median(cpuMs),
      unit: 'ms',
      detail: `CPU time, median of 25 batches of 20; wall ${median(wallMs).toFixed(2)} ms, p95 ${p95(wallMs).toFixed(2)} ms`,
      target: { op: '<', value: limit },
    });
  };
  engine(`free-slot engine, 1 master, 30 days (${visits.length} visits, ${slots} free)`, one, 1);
  engine(
    `free-slot engine, any of 10 masters, 30 days (${composeOffers(all).length} free)`,
    all,
    5,
  );
  // The whole search as the bot asks it: the reads above and the engine.
  report(
    'free-slot search with its reads, 1 master',
    await timeEach(200, () => services.booking.offers(service.id, busy, now)),
  );
  report(
    'free-slot search with its reads, any of 10 masters',
    await timeEach(50, () => services.booking.offers(service.id, null, now)),
  );

  const timed = async (fn: () => Promise<unknown>) => {
    const t = process.hrtime.bigint();
    const outcome = await fn().then(
      () => 'booked',
      () => 'refused',
    );
    return { ms: Number(process.hrtime.bigint() - t) / 1e6, outcome };
  };
  const free = await services.booking.offers(service.id, masters[1]?.id ?? '', now);
  // Every fifth offer: 75 minutes apart, a visit and its buffer, so none of them overlap.
  const distinct = free.filter((_, i) => i % 5 === 0).slice(0, 100);
  const spread = await Promise.all(
    distinct.map((o) =>
      timed(() =>
        services.booking.book(
          {
            clientId: null,
            serviceId: service.id,
            masterId: o.masterId,
            startsAt: o.startsAt,
            channel: 'bot',
          },
          system,
          now,
        ),
      ),
    ),
  );
  report(
    `booking, 100 clients at once, different times (${spread.filter((r) => r.outcome === 'booked').length} booked)`,
    spread.map((r) => r.ms),
  );
  const slot = (await services.booking.offers(service.id, masters[2]?.id ?? '', now))[0];
  const rush = await Promise.all(
    Array.from({ length: 100 }, () =>
      timed(() =>
        services.booking.book(
          {
            clientId: null,
            serviceId: service.id,
            masterId: slot?.masterId ?? '',
            startsAt: slot?.startsAt ?? now,
            channel: 'bot',
          },
          system,
          now,
        ),
      ),
    ),
  );
  report(
    `booking, 100 clients at once, same time (${rush.filter((r) => r.outcome === 'booked').length} booked)`,
    rush.map((r) => r.ms),
  );
}

/** `--json FILE` writes the figures there too; `--only a,b` runs only those sections. */
function parseArgs(argv: string[]): { json?: string; only?: Set<string> } {
  const out: { json?: string; only?: Set<string> } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--json' || arg === '--only') && (value === undefined || value.startsWith('--')))
      throw new Error(`${arg} needs a value`);
    if (arg === '--json') out.json = path.resolve(value ?? '');
    else if (arg === '--only') out.only = new Set((value ?? '').split(','));
    else
      throw new Error(
        `unknown argument ${arg}; use --json FILE and/or --only ${SECTIONS.join(',')}`,
      );
    i++;
  }
  const unknown = [...(out.only ?? [])].filter((s) => !SECTIONS.includes(s));
  if (unknown.length > 0)
    throw new Error(`--only: unknown ${unknown.join(',')}; known: ${SECTIONS.join(',')}`);
  return out;
}

const SECTIONS = [
  'crypto',
  'clients',
  'booking',
  'search',
  'greetings',
  'help',
  'analytics',
  'walk',
  'process',
];

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return {
    cpu,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const wanted = (section: string) => args.only?.has(section) ?? true;
  const before = machine();
  console.log(
    `machine: ${before.cpu}, ${before.cores} cores, ${before.memoryGiB} GiB, Node ${before.node}, load ${before.loadAverage.join(' ')}`,
  );
  const server = await chooseTestServer();
  process.env.TEST_DATABASE_URL = server.url;
  const crypto = await testCrypto({ expectedClients: 10_000 });

  if (wanted('crypto')) {
    const key = crypto.newDataKey();
    const place = { table: 'clients', column: 'phone_enc', rowId: 'bench' };
    const sealed = crypto.encrypt(key, place, '+79161234567');
    report(
      'encrypt one field',
      await timeEach(5000, () => crypto.encrypt(key, place, '+79161234567')),
      'µs',
    );
    report(
      'decrypt one field',
      await timeEach(5000, () => crypto.decrypt(key, place, sealed)),
      'µs',
    );
    report(
      'blind index of a phone',
      await timeEach(5000, () => crypto.blindIndex('phone', '+79161234567')),
      'µs',
    );
    const wrapped = crypto.wrapDataKey('bench', key);
    report(
      'unwrap a client data key',
      await timeEach(5000, () => crypto.unwrapDataKey('bench', wrapped)),
      'µs',
    );
  }

  const t = await createTestDatabase('bench');
  try {
    const services = createServices({ db: t.db, crypto, logger: silentLogger });
    if (wanted('clients')) await clientsBench(services);
    if (wanted('booking')) await bookingBench(services, t.db);
    if (wanted('search')) await searchBench();
    if (wanted('greetings')) {
      await birthdayBench();
      await dispatcherBench(crypto);
    }
    if (wanted('help')) await helpBench(services, t, crypto);
    if (wanted('analytics')) await analyticsBench(server.url);
  } finally {
    await t.drop();
  }
  try {
    // Both make databases of their own on the same server.
    if (wanted('walk')) await walkBench(WALK_CLIENTS);
    if (wanted('process')) await processBench(WALK_CLIENTS);
  } finally {
    await server.embedded?.stop();
  }

  if (args.json) {
    await writeFile(
      args.json,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          machine: { ...before, loadAverageAfter: machine().loadAverage },
          figures: reported(),
        },
        null,
        2,
      )}\n`,
    );
    console.log(`figures written to ${args.json}`);
  }
}

/** 200 clients pressing through a booking at once, as the issue sets it. */
const WALK_CLIENTS = 200;

async function clientsBench(services: Services): Promise<void> {
  const { clients } = services;
  const system = { type: 'system' as const, id: null };
  const N = 5000;
  const create = await timeEach(N, (i) =>
    clients.create(
      {
        name: `Имя${i} Фамилия${i % 300}`,
        phone: `+7916${String(1_000_000 + i)}`,
        birthday: { day: (i % 28) + 1, month: (i % 12) + 1, year: null },
      },
      system,
    ),
  );
  report(`create a client (${N} in the base)`, create);
  report(
    `find by phone among ${N}`,
    await timeEach(300, (i) => clients.findByPhone(`+7916${String(1_000_000 + ((i * 7919) % N))}`)),
  );
  report(
    `find by name among ${N}`,
    await timeEach(300, (i) => clients.findByName(`имя${(i * 7919) % N}`)),
  );
  report(
    `first list page (25) of ${N}`,
    await timeEach(100, () => clients.list({ limit: 25, offset: 0 })),
  );
}

/** /help round trips: the bare echo bot, then Clientele, on the same fake Bot API. */
async function helpBench(
  services: Services,
  t: Awaited<ReturnType<typeof createTestDatabase>>,
  crypto: Awaited<ReturnType<typeof testCrypto>>,
): Promise<void> {
  const echo = await throughput(async (apiRoot, token) => {
    const bot = new Bot(token, { client: { apiRoot } });
    bot.command('help', (ctx) => ctx.reply('help'));
    await bot.init();
    const runner = run(bot);
    return { stop: () => runner.stop() };
  });
  const ours = await throughput(async (apiRoot, token) => {
    const chatLocks = createChatLocks(t.handle.pool);
    const clientele: ClienteleBot = createBot({
      chatLocks,
      token,
      apiRoot,
      db: t.db,
      crypto,
      ...services,
      logger: silentLogger,
    });
    const polling = await startPolling(clientele, silentLogger);
    return {
      async stop() {
        await polling.stop();
        await chatLocks.close();
      },
    };
  });
  figure({
    name: '/help from 50 chats, Clientele ÷ bare echo bot',
    value: ours / echo,
    unit: '×',
    detail: `Clientele ${ours.toFixed(0)} updates/s, bare ${echo.toFixed(0)} updates/s`,
    target: { op: '>=', value: 0.7 },
  });
}

/** The booking walk by Clientele and by the bare conversation bot, in the same run. */
async function walkBench(clients: number): Promise<void> {
  const bare = await bareWalk(clients);
  const ours = await clienteleWalk(clients);
  const rate = (w: WalkResult) => w.updates / w.seconds;
  figure({
    name: `booking walk, ${clients} clients × 7 steps, Clientele ÷ bare`,
    value: rate(ours) / rate(bare),
    unit: '×',
    detail: `Clientele ${rate(ours).toFixed(0)} updates/s, bare ${rate(bare).toFixed(0)} updates/s; ${ours.booked}/${clients} booked`,
    target: { op: '>=', value: 0.5 },
  });
  report('booking walk, Clientele, update → reply', ours.latencies, 'ms');
  figure({
    name: 'booking walk, Clientele, update → reply p95',
    value: p95(ours.latencies),
    unit: 'ms',
    target: { op: '<', value: 150 },
  });
  report('booking walk, bare bot, update → reply', bare.latencies, 'ms');
  if (ours.booked !== clients)
    throw new Error(`the walk booked ${ours.booked} of ${clients} visits: the bench is wrong`);
}

/** npm start: cold and warm to healthy, idle memory, memory after the walk through it. */
async function processBench(clients: number): Promise<void> {
  const start = await startupBench(2);
  report('start-up to healthy, embedded database, cold (new DATA_DIR)', start.coldMs, 'ms', {
    op: '<',
    value: 8000,
  });
  report('start-up to healthy, embedded database, warm', start.warmMs, 'ms', {
    op: '<',
    value: 4000,
  });
  report('start-up to healthy, warm, the sources through tsx (before)', start.tsxWarmMs, 'ms');
  figure({
    name: 'RSS at idle, the sources through tsx (before)',
    value: median(start.tsxIdleRssMb),
    unit: 'MiB',
    detail: `median of ${start.tsxIdleRssMb.length}`,
  });
  figure({
    name: 'RSS at idle, the Clientele process (all roles)',
    value: median(start.idleRssMb),
    unit: 'MiB',
    detail: `median of ${start.idleRssMb.length}; with npm and wrappers ${median(start.withNpmRssMb).toFixed(0)} MiB`,
    target: { op: '<', value: 250 },
  });
  const product = await productWalk(clients);
  figure({
    name: `RSS after the booking walk of ${clients} through it`,
    value: product.afterWalkRssMb,
    unit: 'MiB',
    detail: `idle before it ${product.idleRssMb.toFixed(0)} MiB; ${product.walk.booked}/${clients} booked, ${(product.walk.updates / product.walk.seconds).toFixed(0)} updates/s, p95 ${p95(product.walk.latencies).toFixed(0)} ms`,
  });
}

await main();
process.exit(0);
