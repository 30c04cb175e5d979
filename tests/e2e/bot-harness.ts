import { type ClienteleBot, createBot } from '../../src/bot/create-bot.js';
import { startPolling } from '../../src/bot/polling.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { ClientService } from '../../src/domain/clients/client-service.js';
import { type Dispatcher, startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import type { Logger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/runtime.js';
import { type FakeBotApi, startFakeBotApi } from '../helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

/** A real bot on a real database, talking to the fake Bot API by long polling. */
export class BotHarness {
  fake!: FakeBotApi;
  t!: TestDatabase;
  crypto!: Crypto;
  clients!: ClientService;
  services!: Services;
  clientele!: ClienteleBot;
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
    await this.startBot();
    return this;
  }

  /** A fresh bot instance on the same database, as after a restart. */
  async startBot(): Promise<void> {
    this.clientele = createBot({
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
    await this.fake?.close();
    await this.t?.drop();
  }
}
