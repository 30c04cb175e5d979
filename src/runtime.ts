import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { createTranslator } from './bot/i18n.js';
import type { Config } from './config.js';
import { type Crypto, createCrypto } from './crypto/crypto.js';
import { createDatabase, type DatabaseHandle, describeDatabaseUrl } from './db/connect.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded.js';
import { migrateToLatest } from './db/migrate.js';
import type { Database } from './db/schema.js';
import { BookingService } from './domain/booking/booking-service.js';
import { CatalogueService } from './domain/booking/catalogue-service.js';
import { ClientService } from './domain/clients/client-service.js';
import { encryptPlaintextTags } from './domain/clients/plaintext-tags.js';
import { GreetingService } from './domain/greetings/greeting-service.js';
import { TemplateService } from './domain/greetings/templates.js';
import { CardService } from './domain/loyalty/card-service.js';
import { LoyaltyService } from './domain/loyalty/loyalty-service.js';
import { ClientMessages } from './domain/messages/client-messages.js';
import { RegistrationService } from './domain/onboarding/registration.js';
import { ReferralService } from './domain/referrals/referral-service.js';
import { type Clock, systemClock } from './domain/shared/clock.js';
import type { StaffPolicy } from './domain/staff/staff-policy.js';
import { StaffService } from './domain/staff/staff-service.js';
import { VisitService } from './domain/visits/visit-service.js';
import type { Logger } from './logger.js';

/** A start-up failure with a one-line explanation for the person starting the program. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** The domain services, built one way for the app, the CLIs, tests and benchmarks. */
export interface Services {
  clients: ClientService;
  staff: StaffService;
  messages: ClientMessages;
  referrals: ReferralService;
  registration: RegistrationService;
  cards: CardService;
  loyalty: LoyaltyService;
  booking: BookingService;
  catalogue: CatalogueService;
  visits: VisitService;
  templates: TemplateService;
  greetings: GreetingService;
  /** The time as the product sees it; tests pass a fixed one. */
  clock: Clock;
}

export function createServices(deps: {
  db: Kysely<Database>;
  crypto: Crypto;
  logger: Logger;
  clock?: Clock;
  /** Zone of clients with no home branch (TZ_DEFAULT). */
  timeZone?: string;
  /** The staff password rule and lock-out policy (config.login); the defaults without it. */
  staffPolicy?: StaffPolicy;
}): Services {
  const { db, crypto, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const clients = new ClientService({ db, crypto, logger, clock });
  const translate = createTranslator();
  const notices = { crypto, translate };
  const loyalty = new LoyaltyService(db, { ...notices, clock });
  const referrals = new ReferralService(db, notices);
  const booking = new BookingService(db, { ...notices, clock });
  const templates = new TemplateService(db);
  return {
    clients,
    staff: new StaffService({
      db,
      crypto,
      logger,
      translate,
      clock,
      ...(deps.staffPolicy ? { policy: deps.staffPolicy } : {}),
    }),
    messages: new ClientMessages(db, crypto),
    referrals,
    registration: new RegistrationService(db, clients, referrals),
    cards: new CardService(db),
    loyalty,
    booking,
    catalogue: new CatalogueService(db),
    visits: new VisitService(db, { ...notices, clients, clock }),
    templates,
    greetings: new GreetingService(
      db,
      crypto,
      clients,
      loyalty,
      templates,
      deps.timeZone ?? 'Europe/Moscow',
    ),
    clock,
  };
}

/** What every entry point (server, CLIs) shares: a migrated database, keys and services. */
export interface Runtime extends Services {
  database: DatabaseHandle;
  crypto: Crypto;
  close(): Promise<void>;
}

const PG_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  '3D000': 'database does not exist',
  '28P01': 'password authentication failed',
  '28000': 'access refused',
};

async function checkConnection(url: string, named: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const reason =
      PG_REASONS[code] ?? (err instanceof Error ? err.message.split('\n')[0] : 'unknown error');
    throw new StartupError(`${named}: cannot connect to ${describeDatabaseUrl(url)} (${reason})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The configured database, reachable, and nothing more: DATABASE_URL checked, or the embedded
 * server started (stop() stops it). Tools that must not migrate (backup, restore) start here.
 */
export async function connectDatabase(
  config: Config,
  logger: Logger,
): Promise<{ url: string; embedded: EmbeddedDatabase | undefined }> {
  if (config.database.url) {
    await checkConnection(config.database.url, 'DATABASE_URL');
    return { url: config.database.url, embedded: undefined };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: config.database.embeddedDir, logger });
  logger.info(
    { dataDir: config.database.embeddedDir, port: embedded.port },
    'embedded PostgreSQL running',
  );
  return { url: embedded.connectionString, embedded };
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const { url, embedded } = await connectDatabase(config, logger);
  const database = createDatabase(url, { logger });
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    await sql`SELECT 1`.execute(database.db);
  } catch (err) {
    await database.close();
    await embedded?.stop();
    throw err;
  }
  const crypto = await createCrypto({
    masterKey: config.keys.current,
    previousKeys: config.keys.previous,
    expectedClients: config.expectedClients,
  });
  try {
    await encryptPlaintextTags({ db: database.db, crypto, logger });
  } catch (err) {
    await database.close();
    await embedded?.stop();
    throw err;
  }
  if (config.keys.generatedFile) {
    logger.warn(
      { file: config.keys.generatedFile },
      'generated a new master key: back this file up apart from the database, without it the client base cannot be read',
    );
  }
  return {
    database,
    crypto,
    ...createServices({
      db: database.db,
      crypto,
      logger,
      timeZone: config.defaultTimeZone,
      staffPolicy: config.login,
    }),
    async close() {
      // The pool first: the embedded server must not stop under live connections.
      await database.close();
      await embedded?.stop();
    },
  };
}
