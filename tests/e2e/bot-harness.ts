import { expect } from 'vitest';
import { type ChatLocks, createChatLocks } from '../../src/bot/chat-lock.js';
import { type ClienteleBot, createBot } from '../../src/bot/create-bot.js';
import { startPolling } from '../../src/bot/polling.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { ClientService } from '../../src/domain/clients/client-service.js';
import { type Dispatcher, startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import type { Logger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/runtime.js';
import {
  type BotMessage,
  buttons,
  type FakeBotApi,
  type FakeUser,
  startFakeBotApi,
} from '../helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { dayButton, toCalendar } from './salon-fixture.js';

export interface VisitChoice {
  /** The category button (the fixture's salon has two). */
  category: string;
  /** Matches the service button's label, e.g. /^Стрижка/. */
  service: RegExp;
  master: string;
  /** Local day, `YYYY-MM-DD`. */
  day: string;
  /** The time button's label, `HH:mm`; or a pattern, for the first free time it matches. */
  time: string | RegExp;
}

/** The messages of a booking walked through the bot, step by step. */
export interface BookingWalk {
  calendar: BotMessage;
  times: BotMessage;
  confirm: BotMessage;
  /** "Booked!" and the .ics file; absent when told to stop at the confirmation. */
  done?: BotMessage;
  ics?: BotMessage;
}

/**
 * Books through the menu as a client would: Book → category → service → master → day → time →
 * (with `confirm`) ✅. Stops at the confirmation with `confirm: false`.
 */
export async function bookVisit(
  user: FakeUser,
  choice: VisitChoice,
  options: { confirm?: boolean; timeoutMs?: number } = {},
): Promise<BookingWalk> {
  const wait = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  const calendar = await toCalendar(user, choice.category, choice.service, choice.master, wait);
  user.click(dayButton(calendar, choice.day));
  const times = await user.nextReply(wait);
  user.click(timeButton(times, choice.time));
  const confirm = await user.nextReply(wait);
  if (options.confirm === false) return { calendar, times, confirm };
  user.click('✅ Записаться');
  const [done, ics] = await user.replies(2, wait);
  return { calendar, times, confirm, ...(done ? { done } : {}), ...(ics ? { ics } : {}) };
}

function timeButton(times: BotMessage, time: string | RegExp): string {
  if (typeof time === 'string') return time;
  const found = buttons(times)
    .flat()
    .find((b) => time.test(b));
  expect(found, `time ${time} in ${JSON.stringify(buttons(times))}`).toBeDefined();
  return found ?? '';
}

/** A real bot on a real database, talking to the fake Bot API by long polling. */
export class BotHarness {
  fake!: FakeBotApi;
  t!: TestDatabase;
  crypto!: Crypto;
  clients!: ClientService;
  services!: Services;
  clientele!: ClienteleBot;
  chatLocks!: ChatLocks;
  private polling: { stop(): Promise<void> } | undefined;
  /** The product's clock; null is the real time. */
  now: Date | null = null;

  constructor(private readonly logger: Logger = silentLogger) {}

  async setUp(): Promise<this> {
    this.fake = await startFakeBotApi();
    this.t = await createTestDatabase('bot');
    this.crypto = await testCrypto();
    this.services = createServices({
      db: this.t.db,
      crypto: this.crypto,
      logger: this.logger,
      clock: () => this.now ?? new Date(),
    });
    this.clients = this.services.clients;
    this.chatLocks = createChatLocks(this.t.handle.pool);
    await this.startBot();
    return this;
  }

  /** A fresh bot instance on the same database, as after a restart. */
  async startBot(): Promise<void> {
    this.clientele = createBot({
      chatLocks: this.chatLocks,
      token: this.fake.token,
      apiRoot: this.fake.apiRoot,
      botInfo: this.fake.botInfo,
      db: this.t.db,
      crypto: this.crypto,
      ...this.services,
      logger: this.logger,
    });
    this.polling = await startPolling(this.clientele, this.logger);
  }

  async stopBot(): Promise<void> {
    await this.polling?.stop();
    this.polling = undefined;
  }

  /** An outbox dispatcher the test drives with runOnce(), without the per-chat pause. */
  dispatcher(): Dispatcher {
    return startDispatcher({
      db: this.t.db,
      crypto: this.crypto,
      logger: silentLogger,
      token: this.fake.token,
      apiRoot: this.fake.apiRoot,
      loop: false,
      perChatGapMs: 0,
    });
  }

  async tearDown(): Promise<void> {
    await this.stopBot();
    await this.chatLocks?.close();
    await this.fake?.close();
    await this.t?.drop();
  }
}
