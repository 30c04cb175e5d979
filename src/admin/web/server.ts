import helmet from '@fastify/helmet';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import { sql } from 'kysely';
import type { Config } from '../../config.js';
import { type PanelDeps, registerPanel } from '../panel/admin-panel.js';

/**
 * What the web server mounts: the panel (its parts are the panel's own, passed through; only
 * cookieSecure comes from the web's config), health, metrics and Telegram's webhook.
 */
export interface ServerDeps extends Omit<PanelDeps, 'cookieSecure'> {
  config: Pick<Config, 'http'>;
  webhook?: FastifyPluginAsync;
  metrics?: FastifyPluginAsync;
  /** Parts that are not up yet (for example 'bot' while Telegram cannot be reached). */
  waitingFor?: () => string[];
}

/** The web side as one app: health, the panel and (in webhook mode) Telegram's endpoint. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, webhook, metrics, waitingFor, ...panel } = deps;
  const app = Fastify({
    loggerInstance: panel.logger.child({ module: 'http' }) as FastifyBaseLogger,
    // Fastify's own request lines carry the query string, where search terms (names, phones)
    // travel: log one line per request ourselves, with the path only.
    logController: new LogController({ disableRequestLogging: true }),
    // Only configured proxies: a forged X-Forwarded-For would otherwise pick the address that
    // login throttling counts and the audit log records.
    trustProxy: config.http.trustProxy ?? false,
    bodyLimit: 1024 * 1024,
  });
  if (config.http.cookieSecure && !config.http.trustProxy)
    // The session cookie is only set over https as Fastify sees it; behind a TLS proxy that is
    // not trusted, every request looks like plain http and nobody can log in.
    app.log.warn('panel cookies are Secure but TRUST_PROXY is unset: set it to the https proxy');
  // A request already running when the server starts closing (a webhook call during a stop)
  // would leave its keep-alive connection open until the 72 s keep-alive timeout, holding the
  // stop: answers sent while closing end their connection.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
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
        upgradeInsecureRequests: config.http.cookieSecure ? [] : null,
      },
    },
    hsts: config.http.cookieSecure,
    // The panel's scripts tell the server where they run from (request-guard: browsers without
    // fetch metadata); other sites are told nothing.
    referrerPolicy: { policy: 'same-origin' },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    // A body refused half-read (too many fields or parts, too deep) would hold a kept-alive
    // connection open forever: close it with the answer.
    if (!request.raw.complete) reply.header('connection', 'close');
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
  if (metrics) await app.register(metrics);
  app.get('/readyz', async (_request, reply) => {
    try {
      // A database that does not answer (restarting, cut off) is not ready either, and a probe
      // must get its answer within its own timeout.
      await withTimeout(sql`SELECT 1`.execute(panel.db), READY_TIMEOUT_MS);
      const waiting = waitingFor?.() ?? [];
      if (waiting.length > 0) return reply.code(503).send({ ok: false, waiting });
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false });
    }
  });
  app.get('/', async (_request, reply) => reply.redirect('/admin'));

  if (webhook) await app.register(webhook);
  // The panel's parts are its own, passed through; the web server only says how cookies travel.
  await registerPanel(app, { ...panel, cookieSecure: config.http.cookieSecure });
  return app;
}

/** How long /readyz waits for the database. */
const READY_TIMEOUT_MS = 3_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
