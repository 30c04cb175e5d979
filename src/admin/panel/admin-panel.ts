import AdminJSFastify from '@adminjs/fastify';
import rateLimit from '@fastify/rate-limit';
import AdminJS, {
  type ActionContext,
  type AdminJSOptions,
  type AdminPages,
  Router as AdminRouter,
  type ResourceWithOptions,
} from 'adminjs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { BackupService } from '../../backup/backup-service.js';
import { createTranslator } from '../../bot/i18n.js';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { BookingService } from '../../domain/booking/booking-service.js';
import type { CatalogueService } from '../../domain/booking/catalogue-service.js';
import type { ClientService } from '../../domain/clients/client-service.js';
import { HolidayService } from '../../domain/greetings/holiday-service.js';
import type { CardService } from '../../domain/loyalty/card-service.js';
import type { LoyaltyService } from '../../domain/loyalty/loyalty-service.js';
import type { ClientMessages } from '../../domain/messages/client-messages.js';
import { SourceService } from '../../domain/onboarding/sources.js';
import { AuthenticationError } from '../../domain/staff/staff-rules.js';
import type { StaffService } from '../../domain/staff/staff-service.js';
import type { VisitService } from '../../domain/visits/visit-service.js';
import type { Logger } from '../../logger.js';
import {
  assertPageRules,
  assertRouteRule,
  can,
  canCallRoute,
  canOpenPage,
  isPanelUser,
  PANEL_ACTIONS,
  PANEL_RESOURCES,
  type PanelResource,
  type PanelUser,
  pagesOf,
} from './access.js';
import { clientPageActions } from './actions/client-actions.js';
import { type ClientCardReader, clientCardAction } from './actions/client-card.js';
import { registerClientDataDownload } from './actions/client-data-download.js';
import { couponActions } from './actions/coupon-actions.js';
import { exportAction, registerExportDownloads } from './actions/export-action.js';
import { importAction, registerImportUpload } from './actions/import-action.js';
import { clientActions, outboxActions, staffActions } from './actions/record-actions.js';
import { visitActions } from './actions/visit-actions.js';
import { prepareComponentBundle } from './components/bundle.js';
import { componentLoader } from './components/loader.js';
import { en, ru } from './locales/index.js';
import { escapePageState } from './page-state.js';
import { registerChartScript } from './pages/analytics-assets.js';
import { BACKUPS_PAGE, backupsPage, registerBackupDownload } from './pages/backups-page.js';
import { BOOKING_PAGE, bookingPage } from './pages/booking-page.js';
import { FEEDBACK_PAGE, feedbackPage } from './pages/feedback-page.js';
import { LOYALTY_PAGE, loyaltyPage } from './pages/loyalty-page.js';
import { SANDBOX_PAGE, sandboxPage } from './pages/sandbox-page.js';
import { STATS_PAGE, statsPage } from './pages/stats-page.js';
import { TEMPLATES_PAGE, templatesPage } from './pages/templates-page.js';
import { todayDashboard } from './pages/today-page.js';
import { ADMIN_ROOT } from './paths.js';
import { AcquisitionSourceRecords } from './records/acquisition-source-records.js';
import { CardRecords } from './records/card-records.js';
import { BranchRecords, MasterRecords, ServiceRecords } from './records/catalogue-records.js';
import { ClientRecords } from './records/client-records.js';
import { CouponRecords } from './records/coupon-records.js';
import { HolidayRecords } from './records/holiday-records.js';
import type { RecordStore } from './records/record-store.js';
import { StaffRecords } from './records/staff-records.js';
import { NoDatabase, StoreResource } from './records/store-resource.js';
import { auditLogRecords, outboxRecords } from './records/table-records.js';
import { VisitRecords } from './records/visit-records.js';
import {
  badContentType,
  badFieldName,
  badQueryParameter,
  boundedPayload,
  isPanelScriptCall,
  isSameOrigin,
  isStateChanging,
  requestPath,
} from './request-guard.js';
import { installRequestSchemas } from './request-schema.js';
import { RESOURCES } from './resources/index.js';
import { layoutOf } from './resources/resource-definition.js';
import { SYSTEM_FONTS } from './routes/page-shell.js';
import { PASSWORD_PATH, registerPasswordPage } from './routes/password-page.js';
import { PostgresSessionStore } from './session-store.js';

const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const LOGIN_LIMIT = { max: 10, timeWindow: '5 minutes' };

AdminJS.registerAdapter({ Database: NoDatabase, Resource: StoreResource });

export interface PanelDeps {
  db: Kysely<Database>;
  crypto: Crypto;
  clients: ClientService;
  messages: ClientMessages;
  cards: CardService;
  catalogue: CatalogueService;
  booking: BookingService;
  visits: VisitService;
  loyalty: LoyaltyService;
  /** The client card record action's data (actions/client-card.ts); without it, no card. */
  clientCard?: ClientCardReader;
  staff: StaffService;
  /** The owners' backups page; without it the panel has no pages. */
  backups?: BackupService;
  logger: Logger;
  cookieSecure: boolean;
  /** The Telegram sandbox (only without BOT_TOKEN): its chat's API, added inside the panel's scope. */
  sandbox?: { chatApi: string; registerPages(scope: FastifyInstance): void };
}

/**
 * A resource as its definition (resources/*.ts) lays it out; every action gets a synchronous,
 * deny-by-default check from the role table.
 */
function guarded(store: RecordStore, extra: Record<string, object> = {}): ResourceWithOptions {
  const definition = RESOURCES[store.id];
  const layout = layoutOf(definition);
  const check = (action: string) => ({
    isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, store.id, action),
  });
  const actions = {
    ...Object.fromEntries(PANEL_ACTIONS.map((action) => [action, check(action)])),
    // Where the create and edit forms differ (a field given once, at creation).
    ...(layout.forms
      ? {
          new: { ...check('new'), layout: layout.forms.new },
          edit: { ...check('edit'), layout: layout.forms.edit },
        }
      : {}),
    ...extra,
  };
  return {
    resource: store,
    options: {
      navigation: definition.navigation,
      actions,
      listProperties: layout.list,
      showProperties: layout.show,
      ...(layout.edit.length > 0 ? { editProperties: layout.edit } : {}),
      filterProperties: layout.filter,
    },
  };
}

/**
 * AdminJS treats a Promise from isAccessible as true and a missing check as allowed; refuse to
 * start with either, so a careless resource cannot open up the panel.
 */
export function assertAccessChecks(resources: ResourceWithOptions[]): void {
  const nobody = { currentAdmin: undefined } as unknown as ActionContext;
  for (const { resource, options } of resources) {
    const id = (resource as RecordStore).id;
    for (const action of PANEL_ACTIONS) {
      const check = (options.actions as Record<string, { isAccessible?: unknown }> | undefined)?.[
        action
      ]?.isAccessible;
      if (typeof check !== 'function')
        throw new Error(`panel: ${id}.${action} has no isAccessible check`);
      const result = (check as (c: ActionContext) => unknown)(nobody);
      if (typeof result !== 'boolean')
        throw new Error(`panel: ${id}.${action} isAccessible must return a boolean synchronously`);
      if (result) throw new Error(`panel: ${id}.${action} is open to anonymous users`);
    }
  }
}

export function panelResources(
  deps: Pick<
    PanelDeps,
    | 'db'
    | 'crypto'
    | 'clients'
    | 'messages'
    | 'cards'
    | 'catalogue'
    | 'visits'
    | 'clientCard'
    | 'staff'
    | 'loyalty'
  >,
): ResourceWithOptions[] {
  const clients = new ClientRecords(deps.clients, deps.cards);
  return [
    guarded(clients, {
      ...(deps.clientCard ? { card: clientCardAction(deps.clientCard) } : {}),
      ...clientActions({ clients: deps.clients, cards: deps.cards }),
      ...clientPageActions({
        db: deps.db,
        clients: deps.clients,
        messages: deps.messages,
        records: clients,
      }),
      import: importAction({ db: deps.db, now: () => new Date() }),
      export: exportAction('Client'),
    }),
    guarded(new VisitRecords(deps.db, deps.clients), {
      ...visitActions(deps.visits),
      export: exportAction('Visit'),
    }),
    guarded(new BranchRecords(deps.db, deps.catalogue)),
    guarded(new ServiceRecords(deps.db, deps.catalogue)),
    guarded(new MasterRecords(deps.db, deps.catalogue)),
    guarded(new StaffRecords(deps.db, deps.staff), staffActions({ staff: deps.staff })),
    guarded(auditLogRecords(deps.db)),
    guarded(outboxRecords(deps.db), outboxActions({ db: deps.db })),
    guarded(new HolidayRecords(deps.db, new HolidayService(deps.db, deps.crypto))),
    guarded(new AcquisitionSourceRecords(deps.db, new SourceService(deps.db))),
    guarded(new CouponRecords(deps.db, deps.loyalty), couponActions({ loyalty: deps.loyalty })),
    guarded(new CardRecords(deps.db)),
  ];
}

/**
 * Every page's handler asks the access table first, so a page is safe wherever it is mounted
 * and its own file names no role.
 */
function guardedPages(pages: AdminPages): AdminPages {
  assertPageRules(pages);
  const out: AdminPages = {};
  for (const [name, page] of Object.entries(pages)) {
    const { handler } = page;
    out[name] = handler
      ? {
          ...page,
          handler: async (request, response, context) => {
            if (!canOpenPage(context.currentAdmin, name, String(request.method ?? 'get')))
              throw Object.assign(new Error('forbidden'), { statusCode: 403 });
            return handler(request, response, context);
          },
        }
      : page;
  }
  return out;
}

export function createAdmin(
  resources: ResourceWithOptions[],
  pages: AdminPages = {},
  dashboard?: AdminJSOptions['dashboard'],
): AdminJS {
  assertAccessChecks(resources);
  return new AdminJS({
    componentLoader,
    pages: guardedPages(pages),
    ...(dashboard ? { dashboard } : {}),
    rootPath: ADMIN_ROOT,
    loginPath: `${ADMIN_ROOT}/login`,
    logoutPath: `${ADMIN_ROOT}/logout`,
    resources,
    branding: {
      companyName: 'Clientele',
      withMadeWithLove: false,
      logo: false,
    },
    locale: {
      language: 'ru',
      availableLanguages: ['ru', 'en'],
      localeDetection: true,
      translations: { ru, en },
    },
  });
}

/** Paths anyone may fetch: the login page and the panel's own static files, matched exactly. */
function publicPaths(admin: AdminJS): Set<string> {
  const bundle = AdminRouter.routes.find((r) => r.action === 'bundleComponents')?.path;
  return new Set([
    admin.options.loginPath,
    admin.options.logoutPath,
    ...AdminRouter.assets.map((a) => `${ADMIN_ROOT}${a.path}`),
    ...(bundle ? [`${ADMIN_ROOT}${bundle}`] : []),
  ]);
}

/** The AdminJS page a path opens or calls (`/admin/pages/x`, `/admin/api/pages/x`), if any. */
const PAGE_PATH = new RegExp(`^${ADMIN_ROOT}/(?:api/)?pages/([^/]+)/?$`);

const API_ACTION = new RegExp(
  `^${ADMIN_ROOT}/api/resources/([^/]+)/(?:actions/([^/]+)|records/[^/]+/([^/]+)|bulk/([^/]+)|search)(?:/.*)?$`,
);

/**
 * The resource and action an API path calls, checked against the role table here too, before
 * AdminJS runs (AdminJS answers a refused action with 200 and a notice).
 */
function apiTarget(path: string): { resource: PanelResource | null; action: string } | null {
  const match = API_ACTION.exec(path);
  if (!match)
    return path.startsWith(`${ADMIN_ROOT}/api/resources/`) ? { resource: null, action: '' } : null;
  const resource = PANEL_RESOURCES.find((r) => r === match[1]) ?? null;
  return { resource, action: match[2] ?? match[3] ?? match[4] ?? 'search' };
}

declare module 'fastify' {
  interface Session {
    adminUser?: PanelUser & { ip?: string; pages?: string[] };
    redirectTo?: string;
  }
}

/**
 * The panel's own pages in AdminJS's sidebar, in this order; each asks the access table (the
 * sidebar lists only those the user may open).
 */
function panelPages(deps: PanelDeps, log: Logger): AdminPages {
  return {
    [BOOKING_PAGE]: bookingPage(deps),
    [STATS_PAGE]: statsPage(deps),
    [FEEDBACK_PAGE]: feedbackPage({ ...deps, translate: createTranslator() }),
    [LOYALTY_PAGE]: loyaltyPage(deps),
    [TEMPLATES_PAGE]: templatesPage(deps),
    ...(deps.sandbox ? { [SANDBOX_PAGE]: sandboxPage(deps.sandbox.chatApi) } : {}),
    ...(deps.backups ? { [BACKUPS_PAGE]: backupsPage(deps.backups, log) } : {}),
  };
}

/** Registers the panel inside its own encapsulated scope of the Fastify app. */
export async function registerPanel(app: FastifyInstance, deps: PanelDeps): Promise<AdminJS> {
  const log = deps.logger.child({ module: 'panel' });
  const pages = panelPages(deps, log);
  const resources = panelResources(deps);
  const admin = createAdmin(resources, pages, todayDashboard(deps));
  const open = publicPaths(admin);
  const fieldsOf = new Map(
    resources.map(({ resource }) => [
      (resource as RecordStore).id,
      (resource as RecordStore).fields,
    ]),
  );
  // Built in the background so start-up does not wait; the bundle's own URL waits for it.
  const bundlePath = `${ADMIN_ROOT}${AdminRouter.routes.find((r) => r.action === 'bundleComponents')?.path ?? ''}`;
  const bundling = prepareComponentBundle(admin).then(
    (ms) => {
      if (ms !== undefined) log.info({ ms }, 'panel components bundled');
    },
    (err: unknown) =>
      log.error(
        { error: err instanceof Error ? err.message : String(err) },
        'panel components could not be bundled',
      ),
  );

  const cookieSecret = deps.crypto.lookupHash('panel-session-cookie', 'v1');
  // AdminJS's own routes (its API checks the role table per resource and page above); every
  // other route of the scope must have a rule in the access table, or the panel does not start.
  const adminJsRoutes = new Set<string>();
  let addingAdminJs = false;
  const routeId = (method: string, url: string) => `${method} ${url}`;
  await app.register(async (scope) => {
    // Before the rate-limit plugin, whose own onRoute hook reads this config.
    scope.addHook('onRoute', (route) => {
      if (route.url === admin.options.loginPath && route.method === 'POST') {
        route.config = { ...(route.config ?? {}), rateLimit: LOGIN_LIMIT };
      }
      for (const method of [route.method].flat()) {
        if (addingAdminJs) adminJsRoutes.add(routeId(method, route.url));
        else assertRouteRule(method, route.url);
      }
    });
    await scope.register(rateLimit, { global: false });
    installRequestSchemas(scope);

    // Before any body parser runs.
    scope.addHook('onRequest', async (request, reply) => {
      const bad = badContentType(request.headers['content-type']);
      if (bad) return reply.code(400).send({ error: `${bad.param}: ${bad.message}` });
    });
    // Field count and depth bounded while the body streams in, before any parser walks it.
    scope.addHook('preParsing', async (request, _reply, payload) =>
      boundedPayload(payload, request.headers['content-type']),
    );

    // Who may call what is decided before a route's schema looks at the body, so a caller
    // without the right gets 403, never a 400 that describes the form.
    scope.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
      const path = requestPath(request.url);
      if (path === null) return reply.code(400).send({ error: 'bad path' });
      if (!path.startsWith(ADMIN_ROOT)) return;
      if (path === bundlePath) await bundling;
      if (isStateChanging(request.method) && !isSameOrigin(request.headers, request.host)) {
        log.warn({ path }, 'cross-site or origin-less request to the panel refused');
        return reply.code(403).send({ error: 'cross-site request refused' });
      }
      if (
        path.startsWith(`${ADMIN_ROOT}/api/`) &&
        !isPanelScriptCall(request.headers, request.host)
      ) {
        log.warn({ path }, 'panel API call not from the panel refused');
        return reply
          .code(403)
          .send({ error: "the panel's API answers only the panel's own pages" });
      }
      if (open.has(path)) return;
      const user = request.session.get('adminUser');
      const staff = isPanelUser(user) ? await deps.staff.getById(user.id) : null;
      if (!staff?.active) {
        if (path.startsWith(`${ADMIN_ROOT}/api/`))
          return reply.code(401).send({ error: 'login required' });
        // Back to this page after logging in.
        request.session.set('redirectTo', path);
        return reply.redirect(admin.options.loginPath);
      }
      // Refreshed on every request: a changed role or a deactivation applies at once.
      const current = {
        id: staff.id,
        email: staff.email,
        role: staff.role,
        title: staff.displayName,
        locale: staff.locale,
        ip: request.ip,
      };
      // A one-time password must be replaced before anything else.
      if (staff.mustChangePassword && path !== PASSWORD_PATH) {
        if (path.startsWith(`${ADMIN_ROOT}/api/`))
          return reply.code(403).send({ error: 'change your password first' });
        return reply.redirect(PASSWORD_PATH);
      }
      const target = apiTarget(path);
      if (target && (target.resource === null || !can(current, target.resource, target.action))) {
        return reply.code(403).send({ error: 'forbidden' });
      }
      const page = PAGE_PATH.exec(path)?.[1];
      if (page !== undefined && !canOpenPage(current, page, request.method)) {
        return reply.code(403).send({ error: 'forbidden' });
      }
      // A route of ours answers only the roles its rule names; one without a rule, nobody.
      const route = request.routeOptions.url ?? '';
      if (
        !adminJsRoutes.has(routeId(request.method, route)) &&
        !canCallRoute(current, request.method, route)
      ) {
        return reply.code(403).send({ error: 'forbidden' });
      }
      const badName = badFieldName(request.body) ?? badFieldName(request.query);
      if (badName) return reply.code(400).send({ error: `${badName.param}: ${badName.message}` });
      if (target?.resource) {
        // AdminJS's "new" has nothing to show on GET and fails with a 500.
        if (target.action === 'new' && request.method === 'GET')
          return reply
            .code(405)
            .header('allow', 'POST')
            .send({ error: 'actions/new takes a POST' });
        const bad = badQueryParameter(
          request.query as Record<string, unknown>,
          fieldsOf.get(target.resource) ?? [],
        );
        if (bad) return reply.code(400).send({ error: `${bad.param}: ${bad.message}` });
      }
      // The sidebar lists the pages named here (components/sidebar-pages.tsx).
      request.session.set('adminUser', { ...current, pages: pagesOf(current) });
    });

    // AdminJS's pages link a web font from the internet; the panel uses system fonts instead.
    scope.addHook('onSend', async (_request, reply, payload) => {
      if (
        typeof payload !== 'string' ||
        !String(reply.getHeader('content-type') ?? '').includes('text/html')
      ) {
        return payload;
      }
      // AdminJS's layout names its charset only after the page state, too late for a browser's
      // first guess: said in the header, the page is never first read as another encoding.
      const type = String(reply.getHeader('content-type'));
      if (!/charset=/i.test(type)) reply.header('content-type', `${type}; charset=utf-8`);
      return escapePageState(payload).replace(
        /<link[^>]+fonts\.googleapis\.com[^>]*>/g,
        `<style>html, body, button, input, textarea, select { font-family: ${SYSTEM_FONTS} !important; }</style>`,
      );
    });

    addingAdminJs = true;
    await AdminJSFastify.buildAuthenticatedRouter(
      admin,
      {
        cookieName: 'clientele_session',
        cookiePassword: cookieSecret,
        authenticate: async (
          email: string,
          password: string,
          context?: { request?: FastifyRequest },
        ) => {
          const request = context?.request;
          try {
            const staff = await deps.staff.authenticate(
              String(email ?? ''),
              String(password ?? ''),
              request?.ip ?? null,
            );
            // A new session id at login, so an id planted before login is worth nothing.
            await request?.session.regenerate();
            return {
              id: staff.id,
              email: staff.email,
              role: staff.role,
              title: staff.displayName,
              locale: staff.locale,
            };
          } catch (err) {
            if (err instanceof AuthenticationError) return null;
            throw err;
          }
        },
      },
      scope,
      {
        secret: cookieSecret,
        store: new PostgresSessionStore(deps.db, SESSION_TTL_MS),
        saveUninitialized: false,
        rolling: true,
        cookie: {
          httpOnly: true,
          sameSite: 'lax' as const,
          secure: deps.cookieSecure,
          maxAge: SESSION_TTL_MS,
          path: ADMIN_ROOT,
        },
      },
    );
    addingAdminJs = false;
    // After AdminJS's router: it registers the session and form-body plugins this page uses.
    registerPasswordPage(scope, deps.staff);
    registerImportUpload(scope, { db: deps.db, clients: deps.clients, now: () => new Date() });
    const visits = new VisitRecords(deps.db, deps.clients);
    registerExportDownloads(scope, { db: deps.db, clients: deps.clients, visits });
    registerClientDataDownload(scope, deps);
    registerChartScript(scope);
    if (deps.backups) registerBackupDownload(scope, deps.backups);
    deps.sandbox?.registerPages(scope);
  });
  return admin;
}

export type { PanelResource };
export { ADMIN_ROOT };
