/**
 * What clients feel: many people pressing through a booking at once, on the fake Bot API, by
 * Clientele and by a bare grammY bot whose conversation has the same seven steps with in-memory
 * storage. Each step's time runs from the update entering the Bot API to the bot's reply
 * reaching the user.
 */
import {
  type ConversationFlavor,
  conversations,
  createConversation,
} from '@grammyjs/conversations';
import { run, sequentialize } from '@grammyjs/runner';
import { Bot, type Context, InlineKeyboard, InputFile } from 'grammy';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { createChatLocks } from '../src/bot/chat-lock.js';
import { createBot } from '../src/bot/create-bot.js';
import { startPolling } from '../src/bot/polling.js';
import type { Database } from '../src/db/schema.js';
import { recordConsents } from '../src/domain/onboarding/consents.js';
import { createServices, type Services } from '../src/runtime.js';
import { type FakeBotApi, type FakeUser, startFakeBotApi } from '../tests/helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../tests/helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../tests/helpers/salon.js';
import { createTestDatabase } from '../tests/helpers/test-db.js';

const ZONE = 'Europe/Moscow';
/** A Monday morning: the walk books over the next days. */
const NOW = DateTime.fromISO('2030-01-07T09:00', { zone: ZONE }).toJSDate();
const MASTERS = 10;
const WAIT_MS = Number(process.env.BENCH_WAIT_MS ?? 120_000);
/** A 60-minute haircut with its 15-minute buffer: seven a day from 10:00 to 19:00. */
const TIMES = ['10:00', '11:15', '12:30', '13:45', '15:00', '16:15', '17:30'];

export interface WalkResult {
  clients: number;
  updates: number;
  seconds: number;
  /** Update→reply per step, in ms. */
  latencies: number[];
  booked: number;
}

/** One client's walk: each step sends or presses, then waits for the answer. */
type Step = (user: FakeUser) => void;

async function walk(
  users: FakeUser[],
  stepsOf: (user: FakeUser, i: number) => Step[],
  finalReplies: number,
): Promise<Omit<WalkResult, 'booked'>> {
  const latencies: number[] = [];
  const started = performance.now();
  let updates = 0;
  await Promise.all(
    users.map(async (user, i) => {
      const steps = stepsOf(user, i);
      for (const [n, step] of steps.entries()) {
        const sent = performance.now();
        step(user);
        updates++;
        await user.nextReply({ timeoutMs: WAIT_MS });
        latencies.push(performance.now() - sent);
        if (n === steps.length - 1)
          for (let k = 1; k < finalReplies; k++) await user.nextReply({ timeoutMs: WAIT_MS });
      }
    }),
  );
  return {
    clients: users.length,
    updates,
    seconds: (performance.now() - started) / 1000,
    latencies,
  };
}

/** The bare bot: a grammY conversation of seven steps, memory storage, nothing else. */
export async function bareWalk(clients: number): Promise<WalkResult> {
  type Ctx = ConversationFlavor<Context>;
  const fake = await startFakeBotApi();
  const bot = new Bot<Ctx>(fake.token, { client: { apiRoot: fake.apiRoot } });
  const keyboard = (step: number) =>
    new InlineKeyboard().text(`step ${step}`, `s${step}`).text('Cancel', 'cancel');
  // The runner handles updates concurrently: one chat's in order, as grammY's docs set it up.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  bot.use(conversations());
  bot.use(
    createConversation(async (conversation, ctx: Context) => {
      await ctx.reply('step 1', { reply_markup: keyboard(1) });
      for (let step = 2; step <= 6; step++) {
        const press = await conversation.waitFor('callback_query:data');
        await press.answerCallbackQuery();
        await press.reply(`step ${step}`, { reply_markup: keyboard(step) });
      }
      const press = await conversation.waitFor('callback_query:data');
      await press.answerCallbackQuery();
      await press.reply('booked');
      await press.replyWithDocument(new InputFile(Buffer.from('BEGIN:VCALENDAR'), 'visit.ics'));
    }, 'book'),
  );
  bot.hears('Book', (ctx) => ctx.conversation.enter('book'));
  await bot.init();
  const runner = run(bot);
  try {
    const users = Array.from({ length: clients }, () => fake.user({ language_code: 'en' }));
    const result = await walk(
      users,
      () => [
        (u) => u.send('Book'),
        ...[1, 2, 3, 4, 5].map(
          (s): Step =>
            (u) =>
              u.click(`s${s}`),
        ),
        (u) => u.click('s6'),
      ],
      2,
    );
    return { ...result, booked: clients };
  } finally {
    await runner.stop();
    await fake.close();
  }
}

/** The salon the walk books in: ten masters, and `users` as registered clients. */
export async function seedWalk(services: Services, db: Kysely<Database>, users: FakeUser[]) {
  await seedSalon(services, {
    zone: ZONE,
    services: [
      { name: 'Стрижка', category: 'Волосы', durationMin: 60, bufferMin: 15, price: 2000 },
      // A second category, so the walk starts by choosing one, as in a real salon.
      { name: 'Маникюр', category: 'Ногти', durationMin: 90, price: 1500 },
    ],
    masters: Array.from({ length: MASTERS }, (_, i) => ({ name: `Мастер ${i}` })),
    hours: { start: '10:00', end: '19:00' },
  });
  for (const [i, user] of users.entries()) {
    const c = await services.clients.create(
      {
        name: `Клиент ${i}`,
        phone: `+7916${String(2_000_000 + i)}`,
        telegramUserId: user.id,
        locale: 'ru',
      },
      SYSTEM,
    );
    await recordConsents(db, c.id, [{ purpose: 'personal_data', granted: true }], 'telegram');
  }
}

/** The seven presses of client `i`: Book, category, service, master, day, time, confirm. */
export function bookingSteps(i: number, now: Date): Step[] {
  const day = DateTime.fromJSDate(now, { zone: ZONE })
    .plus({ days: 1 + Math.floor(Math.floor(i / MASTERS) / TIMES.length) })
    .toISODate();
  return [
    (u) => u.send('📅 Записаться'),
    (u) => u.click('Волосы'),
    (u) => u.click('Стрижка · 2000 ₽ · 60 мин'),
    (u) => u.click(`Мастер ${i % MASTERS}`),
    (u) => u.click(`bk:d:${day}`),
    (u) => u.click(TIMES[Math.floor(i / MASTERS) % TIMES.length] ?? ''),
    (u) => u.click('✅ Записаться'),
  ];
}

/** Runs the booking walk of `users` against whatever bot polls `fake`; counts the visits. */
export async function bookingWalk(
  users: FakeUser[],
  db: Kysely<Database>,
  now: Date,
): Promise<WalkResult> {
  const result = await walk(users, (_, i) => bookingSteps(i, now), 2);
  const booked = await db
    .selectFrom('appointments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('channel', '=', 'bot')
    .executeTakeFirstOrThrow();
  return { ...result, booked: Number(booked.n) };
}

/** Clientele: the real booking conversation, database and all, each client on a free time. */
export async function clienteleWalk(clients: number): Promise<WalkResult> {
  const fake: FakeBotApi = await startFakeBotApi();
  const t = await createTestDatabase('bench_walk');
  const crypto = await testCrypto();
  const services = createServices({ db: t.db, crypto, logger: silentLogger, clock: () => NOW });
  const chatLocks = createChatLocks(t.handle.pool);
  let polling: { stop(): Promise<void> } | undefined;
  try {
    const users = Array.from({ length: clients }, () => fake.user({ language_code: 'ru' }));
    await seedWalk(services, t.db, users);
    const clientele = createBot({
      chatLocks,
      token: fake.token,
      apiRoot: fake.apiRoot,
      botInfo: fake.botInfo,
      db: t.db,
      crypto,
      ...services,
      logger: silentLogger,
    });
    polling = await startPolling(clientele, silentLogger);
    return await bookingWalk(users, t.db, NOW);
  } finally {
    await polling?.stop();
    await chatLocks.close();
    await fake.close();
    await t.drop();
  }
}
