import helmet from '@fastify/helmet';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Config } from '../config.js';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import type { BookingService } from '../domain/booking/booking-service.js';
import type { CatalogueService } from '../domain/booking/catalogue-service.js';
import type { ClientService } from '../domain/clients/client-service.js';
import type { CardService } from '../domain/loyalty/card-service.js';
import type { LoyaltyService } from '../domain/loyalty/loyalty-service.js';
import type { ClientMessages } from '../domain/messages/client-messages.js';
import type { StaffService } from '../domain/staff/staff-service.js';
import type { VisitService } from '../domain/visits/visit-service.js';
import type { Logger } from '../logger.js';
import { registerPanel } from './admin-panel.js';
import type { ClientCard } from './resources/client-source.js';

export interface ServerDeps {
  config: Pick<Config, 'http'>;
  logger: Logger;
  db: Kysely<Database>;
  crypto: Crypto;
  clients: ClientService;
  messages: ClientMessages;
  cards: CardService;
  catalogue: CatalogueService;
  booking: BookingService;
  visits: VisitService;
  loyalty: LoyaltyService;
  clientCard?: ClientCard;
  staff: StaffService;
  webhook?: FastifyPluginAsync;
  metrics?: FastifyPluginAsync;
  isReady?: () => Promise<boolean>;
}

/** The web side as one app: health, the panel and (in webhook mode) Telegram's endpoint. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ module: 'http' }) as FastifyBaseLogger,
    // Fastify's own request lines carry the query string, where search terms (names, phones)
    // travel: log one line per request ourselves, with the path only.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: deps.config.http.publicUrl !== undefined,
    bodyLimit: 1024 * 1024,
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // AdminJS puts its state in an inline script and styles inline (styled-components).
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: deps.config.http.cookieSecure ? [] : null,
      },
    },
    hsts: deps.config.http.cookieSecure,
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error(
        { error: `${error.name}: ${error.message}`.slice(0, 300) },
        'request failed',
      );
      return reply.code(status).send({ error: 'internal error' });
    }
    return reply.code(status).send({ error: error.message });
  });

  app.get('/healthz', async () => ({ ok: true }));
  if (deps.metrics) await app.register(deps.metrics);
  app.get('/readyz', async (_request, reply) => {
    try {
      await sql`SELECT 1`.execute(deps.db);
      if (deps.isReady && !(await deps.isReady())) return reply.code(503).send({ ok: false });
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false });
    }
  });
  app.get('/', async (_request, reply) => reply.redirect('/admin'));

  if (deps.webhook) await app.register(deps.webhook);
  await registerPanel(app, {
    db: deps.db,
    crypto: deps.crypto,
    clients: deps.clients,
    messages: deps.messages,
    cards: deps.cards,
    catalogue: deps.catalogue,
    booking: deps.booking,
    visits: deps.visits,
    loyalty: deps.loyalty,
    ...(deps.clientCard ? { clientCard: deps.clientCard } : {}),
    staff: deps.staff,
    logger: deps.logger,
    cookieSecure: deps.config.http.cookieSecure,
  });
  return app;
}
