/**
 * npm run bench: medians of the hot paths, with the machine noted. Uses the PostgreSQL the tests
 * use (TEST_DATABASE_URL, else 127.0.0.1:5432, else an embedded one) and the fake Bot API.
 */
import os from 'node:os';
import { run } from '@grammyjs/runner';
import { Bot } from 'grammy';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { type ClienteleBot, createBot } from '../src/bot/create-bot.js';
import { startPolling } from '../src/bot/polling.js';
import type { Database } from '../src/db/schema.js';
import { createServices, type Services } from '../src/runtime.js';
import { startFakeBotApi } from '../tests/helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../tests/helpers/fixtures.js';
import { createTestDatabase } from '../tests/helpers/test-db.js';
import { chooseTestServer } from '../tests/helpers/test-server.js';
import { birthdayBench, dispatcherBench } from './campaign-bench.js';
import { report, timeEach } from './measure.js';
import { searchBench } from './search-bench.js';

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
  report(
    `free-slot search, 1 master, 30 days, ${visits.length} visits`,
    await timeEach(200, () => services.booking.offers(service.id, busy, now)),
  );
  report(
    'free-slot search, any of 10 masters, 30 days',
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

async function main(): Promise<void> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  const server = await chooseTestServer();
  process.env.TEST_DATABASE_URL = server.url;
  const crypto = await testCrypto({ expectedClients: 10_000 });

  const key = crypto.newDataKey();
  const place = { table: 'clients', column: 'phone_enc', rowId: 'bench' };
  const sealed = crypto.encrypt(key, place, '+79161234567');
  report(
    'encrypt one field',
    await timeEach(5000, () => crypto.encrypt(key, place, '+79161234567')),
    'µs',
  );
  report('decrypt one field', await timeEach(5000, () => crypto.decrypt(key, place, sealed)), 'µs');
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

  const t = await createTestDatabase('bench');
  try {
    const services = createServices({ db: t.db, crypto, logger: silentLogger });
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
      await timeEach(300, (i) =>
        clients.findByPhone(`+7916${String(1_000_000 + ((i * 7919) % N))}`),
      ),
    );
    report(
      `find by name among ${N}`,
      await timeEach(300, (i) => clients.findByName(`имя${(i * 7919) % N}`)),
    );
    report(
      `first list page (25) of ${N}`,
      await timeEach(100, () => clients.list({ limit: 25, offset: 0 })),
    );

    await bookingBench(services, t.db);
    await searchBench();
    await birthdayBench();
    await dispatcherBench(crypto);

    const echo = await throughput(async (apiRoot, token) => {
      const bot = new Bot(token, { client: { apiRoot } });
      bot.command('help', (ctx) => ctx.reply('help'));
      await bot.init();
      const runner = run(bot);
      return { stop: () => runner.stop() };
    });
    const ours = await throughput(async (apiRoot, token) => {
      const clientele: ClienteleBot = createBot({
        token,
        apiRoot,
        db: t.db,
        crypto,
        ...services,
        logger: silentLogger,
      });
      return startPolling(clientele, silentLogger);
    });
    console.log(
      `bot throughput, /help from 50 chats: bare echo bot ${echo.toFixed(0)} updates/s, Clientele ${ours.toFixed(0)} updates/s (ratio ${(echo / ours).toFixed(2)}×)`,
    );
  } finally {
    await t.drop();
    await server.embedded?.stop();
  }
}

await main();
process.exit(0);
