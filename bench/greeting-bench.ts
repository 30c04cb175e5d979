/**
 * Birthday selection among 1,000,000 clients, and outbox dispatcher throughput against the fake
 * Bot API with 429s injected, as a fraction of the configured rate.
 */
import { sql } from 'kysely';
import type { Crypto } from '../src/crypto/crypto.js';
import { birthdayIndexValue } from '../src/domain/clients/normalise.js';
import { birthdaysOn } from '../src/domain/greetings/holiday-dates.js';
import { enqueueMessage } from '../src/domain/outbox/outbox.js';
import { startDispatcher } from '../src/jobs/outbox-dispatcher.js';
import { createServices } from '../src/runtime.js';
import { startFakeBotApi } from '../tests/helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../tests/helpers/fixtures.js';
import { createTestDatabase } from '../tests/helpers/test-db.js';
import { report, timeEach } from './measure.js';

const SYSTEM = { type: 'system' as const, id: null };

/**
 * One million clients. Those whose birthday index bucket is the one searched (the day's own
 * birthdays and the other dates sharing its truncated index, about 1/128 of the base) are real
 * encrypted clients, because the search decrypts them to confirm; the rest are rows in other
 * buckets, which the search never touches.
 */
export async function birthdayBench(): Promise<void> {
  const TOTAL = 1_000_000;
  const crypto = await testCrypto({ expectedClients: TOTAL });
  const t = await createTestDatabase('bench_birthday');
  try {
    const services = createServices({ db: t.db, crypto, logger: silentLogger });
    const target = { month: 3, day: 14 };
    const bucket = crypto.blindIndex('birthday', birthdayIndexValue(target));
    const dates: { month: number; day: number }[] = [];
    for (let m = 1; m <= 12; m++)
      for (let d = 1; d <= new Date(Date.UTC(2000, m, 0)).getUTCDate(); d++)
        dates.push({ month: m, day: d });
    const same = dates.filter(
      (d) => crypto.blindIndex('birthday', birthdayIndexValue(d)) === bucket,
    );
    const others = [
      ...new Set(
        dates
          .map((d) => crypto.blindIndex('birthday', birthdayIndexValue(d)))
          .filter((b) => b !== bucket),
      ),
    ];
    const real = Math.round((TOTAL * same.length) / dates.length);
    const started = Date.now();
    for (let i = 0; i < real; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, real - i) }, (_, k) => {
          const n = i + k;
          const date = same[n % same.length] ?? target;
          return services.clients.create(
            {
              name: `Клиент ${n}`,
              phone: `+7926${String(1_000_000 + n)}`,
              birthday: { ...date, year: 1970 + (n % 40) },
              telegramUserId: 5_000_000_000 + n,
            },
            SYSTEM,
          );
        }),
      );
    }
    await sql`UPDATE clients SET marketing_opt_in = true`.execute(t.db);
    await sql`
      INSERT INTO clients (id, data_key, referral_code, birthday_bidx, marketing_opt_in, telegram_user_id)
      SELECT gen_random_uuid(), '\\x00'::bytea, 'bench' || i,
        (${sql.val(others)}::int[])[1 + i % ${others.length}], true, 6000000000 + i
      FROM generate_series(1, ${TOTAL - real}) AS i`.execute(t.db);
    await sql`ANALYZE clients`.execute(t.db);
    const built = (Date.now() - started) / 1000;
    let found = 0;
    const ms = await timeEach(7, async () => {
      found = (await services.clients.birthdayCelebrants(birthdaysOn(2027, 3, 14))).length;
    });
    report(`birthday selection among ${TOTAL.toLocaleString('en')} clients (${found} found)`, ms);
    console.log(
      `  (${real} encrypted clients share the searched index bucket of ${same.length} dates; base built in ${built.toFixed(0)} s)`,
    );
  } finally {
    await t.drop();
  }
}

/**
 * Messages to distinct chats at the configured rate, with Telegram answering 429 now and then:
 * effective rate over the whole run, and over the time Telegram let us send.
 */
export async function dispatcherBench(crypto: Crypto): Promise<void> {
  const RATE = 25;
  const N = 300;
  const STORMS = 3;
  const t = await createTestDatabase('bench_outbox');
  const fake = await startFakeBotApi();
  try {
    const users = Array.from({ length: N }, (_, i) => fake.user({ id: 7_000_000 + i }));
    for (let i = 0; i < N; i++) {
      await enqueueMessage(t.db, crypto, {
        dedupeKey: `bench:${i}`,
        chatId: 7_000_000 + i,
        clientId: null,
        kind: 'bench',
        message: { text: `message ${i}` },
      });
    }
    const started = Date.now();
    const dispatcher = startDispatcher({
      db: t.db,
      crypto,
      logger: silentLogger,
      token: fake.token,
      apiRoot: fake.apiRoot,
      ratePerSecond: RATE,
      idleMs: 50,
    });
    let injected = 0;
    for (;;) {
      const { n } = await t.db
        .selectFrom('outbox')
        .select(sql<string>`count(*)`.as('n'))
        .where('status', '=', 'sent')
        .executeTakeFirstOrThrow();
      const sent = Number(n);
      // A storm at each third of the run: Telegram says wait one second.
      if (injected < STORMS && sent >= ((injected + 1) * N) / (STORMS + 1)) {
        fake.failNext('sendMessage', {
          error_code: 429,
          description: 'Too Many Requests: retry after 1',
          parameters: { retry_after: 1 },
        });
        injected++;
      }
      if (sent >= N) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (Date.now() - started) / 1000;
    await dispatcher.stop();
    const delivered = fake.callsOf('sendMessage').length;
    const twice = users.filter((u) => u.messages.length !== 1).length;
    if (twice > 0) throw new Error(`${twice} chats did not get exactly one message`);
    const rate = N / seconds;
    const allowed = seconds - STORMS; // each 429 asked for a one-second pause
    console.log(
      `dispatcher: ${N} messages at ${RATE}/s with ${STORMS}×429 (retry_after 1 s): ${rate.toFixed(1)}/s = ${((rate / RATE) * 100).toFixed(1)} % of the rate; ${((N / allowed / RATE) * 100).toFixed(1)} % of it while Telegram allowed sending (${delivered - N} calls refused with 429; every chat got its message exactly once)`,
    );
  } finally {
    await fake.close();
    await t.drop();
  }
}
