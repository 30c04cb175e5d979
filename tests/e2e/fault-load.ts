import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { Database } from '../../src/db/schema.js';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { createServices } from '../../src/runtime.js';
import { freePort, type Run, runScript } from '../helpers/child-run.js';
import {
  type BotMessage,
  buttons,
  type FakeBotApi,
  type FakeUser,
  startFakeBotApi,
} from '../helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { sendFigures } from '../helpers/send-figures.js';
import type { BotHarness } from './bot-harness.js';
import { client, dayButton, seedSalon, ZONE } from './salon-fixture.js';

/**
 * What the fault tests share: the product started as a process, and a steady load of what
 * clients do (a /help now and then, booking walks) and of outgoing messages, with the counts
 * that tell whether anything was lost or done twice.
 */

export const KEY = Buffer.alloc(32, 15);
export const RATE = 30;

/** One product process with every role, long polling the fake Bot API. */
export function startProduct(opts: {
  dataDir: string;
  databaseUrl: string;
  fake: FakeBotApi;
  port: number;
  env?: Record<string, string>;
}): Run {
  return runScript('src/main.ts', {
    DATA_DIR: opts.dataDir,
    DATABASE_URL: opts.databaseUrl,
    CLIENTELE_MASTER_KEY: KEY.toString('base64'),
    BOT_TOKEN: opts.fake.token,
    BOT_API_ROOT: opts.fake.apiRoot,
    ROLES: 'bot,web,jobs',
    HOST: '127.0.0.1',
    PORT: String(opts.port),
    OUTBOX_RATE: String(RATE),
    LOG_LEVEL: 'warn',
    ...opts.env,
  });
}

/** /readyz's status, or undefined while nothing listens. */
export async function readiness(port: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, {
      signal: AbortSignal.timeout(5_000),
    });
    return response.status;
  } catch {
    return undefined;
  }
}

/** Resolves once /readyz answers `status`; throws if the process exits or time runs out. */
export async function waitReadiness(
  port: number,
  status: number,
  run: Run,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while ((await readiness(port)) !== status) {
    if (run.child.exitCode !== null)
      throw new Error(
        `the product exited (${run.child.exitCode}): ${run.stderr().slice(-3000)}${run.stdout().slice(-3000)}`,
      );
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `/readyz did not answer ${status} within ${timeoutMs} ms: ${run.stderr().slice(-3000)}${run.stdout().slice(-3000)}`,
      );
    await sleep(200);
  }
  return Date.now() - started;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fault test's surroundings: the fake Bot API, a data folder, the product's process. */
export class FaultRig {
  fake!: FakeBotApi;
  crypto!: Crypto;
  dir!: string;
  port!: number;
  product: Run | undefined;

  constructor(private readonly label: string) {}

  async open(): Promise<this> {
    this.fake = await startFakeBotApi();
    this.crypto = await testCrypto({ masterKey: new Uint8Array(KEY) });
    this.dir = mkdtempSync(path.join(os.tmpdir(), `clientele-fault-${this.label}-`));
    // The embedded server runs as the 'postgres' user when the tests run as root.
    chmodSync(this.dir, 0o755);
    this.port = await freePort();
    return this;
  }

  /**
   * Starts the product on `databaseUrl` (again, after a kill: same data folder and port) and
   * resolves with how long it took to be ready — start-up under tsx on a loaded machine, which
   * is not what is measured.
   */
  async start(databaseUrl: string, env?: Record<string, string>): Promise<number> {
    this.product = startProduct({
      dataDir: path.join(this.dir, 'app'),
      databaseUrl,
      fake: this.fake,
      port: this.port,
      ...(env ? { env } : {}),
    });
    return waitReadiness(this.port, 200, this.product, 180_000);
  }

  /** The salon with `walkers` clients who book, and the load on it, started. */
  async load(
    db: Kysely<Database>,
    walkers: number,
    opts: { pingers: number; pingEveryMs: number; outboxEveryMs: number; receivers: number },
  ): Promise<SteadyLoad> {
    const load = new SteadyLoad(
      this.fake,
      db,
      this.crypto,
      await seedWalkers(db, this.crypto, this.fake, walkers),
      opts,
    );
    load.start();
    return load;
  }

  async close(): Promise<void> {
    this.product?.child.kill('SIGKILL');
    await this.product?.exited;
    await this.fake?.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A registered client who books. */
export interface Walker {
  user: FakeUser;
  clientId: string;
}

/** The salon of the booking tests, and `walkers` registered clients who will book. */
export async function seedWalkers(
  db: Kysely<Database>,
  crypto: Crypto,
  fake: FakeBotApi,
  walkers: number,
): Promise<Walker[]> {
  const services = createServices({ db, crypto, logger: silentLogger });
  const h = { t: { db }, services, clients: services.clients } as unknown as BotHarness;
  await seedSalon(h);
  const users: Walker[] = [];
  for (let i = 0; i < walkers; i++) {
    const user = fake.user({ language_code: 'ru', first_name: `Клиент${i}` });
    const { id } = await client(h, user, `+7916000${String(1000 + i).padStart(4, '0')}`);
    users.push({ user, clientId: id });
  }
  return users;
}

/** Replies can wait out a fault: a database restart, a restarted process, Telegram away. */
const STEP_MS = 120_000;

/** A booking step: what the client presses (on the step before's message), what comes back. */
interface Step {
  press: (on: BotMessage | undefined) => void;
  answer: (m: BotMessage) => boolean;
}

/**
 * The seven presses of a booking, on `daysAhead`; resolves once the visit is booked, or with
 * 'repeated' when the confirmation came back as "just taken" (see below). A step answered
 * again after a fault (its update handled but not yet claimed) is counted in `repeats`; the
 * client then presses again on the newer message, as a person would — a press on the older one
 * is only told that it is out of date.
 */
export async function walk(
  user: FakeUser,
  daysAhead: number,
  repeats: { count: number },
): Promise<'booked' | 'repeated'> {
  const day = DateTime.now().setZone(ZONE).plus({ days: daysAhead }).toISODate() ?? '';
  const all = (m: BotMessage | undefined) => (m ? buttons(m).flat() : []);
  const pick = (m: BotMessage | undefined, test: (b: string) => boolean) =>
    user.click(all(m).find(test) ?? '', m ? { message: m } : {});
  const steps: Step[] = [
    {
      press: () => user.send('📅 Записаться'),
      answer: (m) => m.text === 'Что вас интересует?',
    },
    {
      press: (m) => pick(m, (b) => b === 'Волосы'),
      answer: (m) => all(m).some((b) => b.startsWith('Стрижка')),
    },
    {
      press: (m) => pick(m, (b) => b.startsWith('Стрижка')),
      answer: (m) => /мастера/.test(m.text ?? ''),
    },
    {
      press: (m) => pick(m, (b) => b === 'Ольга'),
      answer: (m) =>
        (m.reply_markup?.inline_keyboard ?? [])
          .flat()
          .some((b) => b.callback_data === `bk:d:${day}`),
    },
    {
      press: (m) => m && user.click(dayButton(m, day), { message: m }),
      answer: (m) => /^Свободное время/.test(m.text ?? ''),
    },
    {
      press: (m) => pick(m, (b) => /^\d\d:\d\d$/.test(b)),
      answer: (m) => /^Проверьте запись:/.test(m.text ?? ''),
    },
    {
      press: (m) => pick(m, (b) => b === '✅ Записаться'),
      answer: (m) => /^Вы записаны!|только что занял/.test(m.text ?? ''),
    },
  ];
  let last: BotMessage | undefined;
  for (const [n, step] of steps.entries()) {
    step.press(last);
    for (let odd = 0; ; ) {
      const reply = await user.nextReply({ timeoutMs: STEP_MS });
      if (step.answer(reply)) {
        last = reply;
        break;
      }
      repeats.count++;
      // The step before answered again: press again on its newer message.
      if (n > 0 && steps[n - 1]?.answer(reply)) step.press(reply);
      else if (++odd > 3)
        throw new Error(
          `unexpected ${JSON.stringify(reply.text ?? reply.method)} at step ${n + 1}`,
        );
    }
  }
  // The confirmation handled again after a fault: the first handling booked the time (the
  // caller checks), the second finds it taken and offers others.
  if (/только что занял/.test(last?.text ?? '')) return 'repeated';
  for (;;) {
    const reply = await user.nextReply({ timeoutMs: STEP_MS });
    if (reply.method === 'sendDocument') return 'booked';
    repeats.count++;
  }
}

/**
 * A steady load: every `pingEveryMs` each pinging user sends /help (one reply each), every
 * `outboxEveryMs` a message is queued for one of the outbox's chats, and walkers book one
 * visit after another, each on a day of its own.
 */
export class SteadyLoad {
  readonly pingers: FakeUser[];
  readonly receivers: FakeUser[];
  private readonly sent = new Map<number, number>();
  private queuedCount = 0;
  private enqueueFailures = 0;
  private timers: NodeJS.Timeout[] = [];
  private walking: Promise<void>[] = [];
  private stopped = false;
  walksDone = 0;
  /** Confirmations handled again after a fault (the visit made once, "just taken" shown). */
  confirmRepeats = 0;
  /** Booking steps answered again (see expectReply). */
  readonly stepRepeats = { count: 0 };
  readonly walkErrors: string[] = [];

  constructor(
    private readonly fake: FakeBotApi,
    private readonly db: Kysely<Database>,
    private readonly crypto: Crypto,
    readonly walkers: Walker[],
    private readonly opts: {
      pingers: number;
      pingEveryMs: number;
      outboxEveryMs: number;
      receivers: number;
    },
  ) {
    this.pingers = Array.from({ length: opts.pingers }, () => fake.user({ language_code: 'en' }));
    this.receivers = Array.from({ length: opts.receivers }, () => fake.user());
  }

  start(): void {
    this.timers.push(
      setInterval(() => {
        for (const user of this.pingers) {
          user.send('/help');
          this.sent.set(user.id, (this.sent.get(user.id) ?? 0) + 1);
        }
      }, this.opts.pingEveryMs),
      setInterval(() => void this.enqueue(), this.opts.outboxEveryMs),
    );
    let day = 2;
    this.walking = this.walkers.map(async ({ user, clientId }) => {
      while (!this.stopped) {
        const daysAhead = day++;
        try {
          if ((await walk(user, daysAhead, this.stepRepeats)) === 'booked') {
            this.walksDone++;
            continue;
          }
          // Booked by the first handling of the confirmation, or not at all?
          const from = DateTime.now().setZone(ZONE).plus({ days: daysAhead }).startOf('day');
          const visit = await this.db
            .selectFrom('appointments')
            .select('id')
            .where('client_id', '=', clientId)
            .where('starts_at', '>=', from.toJSDate())
            .where('starts_at', '<', from.plus({ days: 1 }).toJSDate())
            .executeTakeFirst();
          if (!visit) throw new Error('the time was taken, but not by this client');
          this.walksDone++;
          this.confirmRepeats++;
          // The conversation now offers other times: this client is done.
          return;
        } catch (err) {
          this.walkErrors.push(`${user.id} on day +${daysAhead}: ${(err as Error).message}`);
          return;
        }
      }
    });
  }

  private async enqueue(): Promise<void> {
    const n = this.queuedCount + this.enqueueFailures;
    const to = this.receivers[n % this.receivers.length];
    if (!to) return;
    try {
      await enqueueMessage(this.db, this.crypto, {
        dedupeKey: `fault:${n}`,
        chatId: to.id,
        clientId: null,
        kind: 'test',
        message: { text: `fault message ${n}` },
      });
      this.queuedCount++;
    } catch {
      // The test's own connection lost the database too: that message is not queued (the
      // outbox table, read at the end, is what counts).
      this.enqueueFailures++;
    }
  }

  /** Stops adding load; walks under way finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.walking);
  }

  /** Waits until each ping was answered and each queued message sent, or the time is out. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const figures = await this.figures();
      if (
        figures.pingsUnanswered === 0 &&
        figures.messagesMissing === 0 &&
        figures.messagesSent === figures.messages
      )
        return;
      if (Date.now() > deadline) return;
      await sleep(500);
    }
  }

  /** Messages Telegram has that the outbox does not know were sent: in flight at a kill. */
  async sentNotMarked(): Promise<string[]> {
    const pending = await this.db
      .selectFrom('outbox')
      .select('dedupe_key')
      .where('dedupe_key', 'like', 'fault:%')
      .where('status', '=', 'pending')
      .execute();
    const received = new Set(this.receivers.flatMap((u) => u.messages.map((m) => m.text)));
    return pending
      .map((r) => r.dedupe_key)
      .filter((key) => received.has(`fault message ${key.slice(6)}`));
  }

  /** What arrived, against what was asked for. */
  async figures() {
    let pings = 0;
    let pingReplies = 0;
    let pingsUnanswered = 0;
    let pingRepeats = 0;
    for (const user of this.pingers) {
      const sent = this.sent.get(user.id) ?? 0;
      const got = user.messages.length;
      pings += sent;
      pingReplies += got;
      pingsUnanswered += Math.max(0, sent - got);
      pingRepeats += Math.max(0, got - sent);
    }
    const rows = await this.db
      .selectFrom('outbox')
      .select(['dedupe_key', 'status'])
      .where('dedupe_key', 'like', 'fault:%')
      .execute();
    const received = new Map<string, number>();
    for (const user of this.receivers)
      for (const m of user.messages)
        received.set(m.text ?? '', (received.get(m.text ?? '') ?? 0) + 1);
    let messagesMissing = 0;
    let messageRepeats = 0;
    for (const row of rows) {
      const times = received.get(`fault message ${row.dedupe_key.slice(6)}`) ?? 0;
      if (times === 0) messagesMissing++;
      messageRepeats += Math.max(0, times - 1);
    }
    const sends = this.fake
      .callsOf('sendMessage')
      .filter(
        (c) => c.served !== false && this.receivers.some((u) => u.id === Number(c.params.chat_id)),
      )
      .map((c) => ({ chat: Number(c.params.chat_id), at: c.at }));
    return {
      pings,
      pingReplies,
      pingsUnanswered,
      pingRepeats,
      messages: rows.length,
      messagesSent: rows.filter((r) => r.status === 'sent').length,
      messagesMissing,
      messageRepeats,
      ...sendFigures(sends),
      walks: this.walksDone,
      stepRepeats: this.stepRepeats.count,
      confirmRepeats: this.confirmRepeats,
    };
  }
}

/**
 * Visits made whole or not at all: each has its audit line and its notice to the master, and
 * each walker who finished a walk has exactly the visits it walked through.
 */
export async function halfMadeVisits(
  db: Kysely<Database>,
): Promise<{ visits: number; halfMade: number }> {
  const visits = await db.selectFrom('appointments').select('id').execute();
  let halfMade = 0;
  for (const v of visits) {
    const audit = await db
      .selectFrom('audit_log')
      .select('id')
      .where('entity', '=', 'appointment')
      .where('entity_id', '=', v.id)
      .where('action', '=', 'book')
      .executeTakeFirst();
    const notice = await db
      .selectFrom('outbox')
      .select('id')
      .where('dedupe_key', 'like', `visit-new:${v.id}:%`)
      .executeTakeFirst();
    if (!audit || !notice) halfMade++;
  }
  return { visits: visits.length, halfMade };
}
