import AdminJSFastify from '@adminjs/fastify';
import rateLimit from '@fastify/rate-limit';
import AdminJS, {
  type ActionContext,
  Router as AdminRouter,
  type ResourceWithOptions,
} from 'adminjs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import type { BookingService } from '../domain/booking/booking-service.js';
import type { CatalogueService } from '../domain/booking/catalogue-service.js';
import { HolidayService } from '../domain/campaigns/holiday-service.js';
import type { ClientService } from '../domain/clients/client-service.js';
import type { CardService } from '../domain/loyalty/card-service.js';
import type { LoyaltyService } from '../domain/loyalty/loyalty-service.js';
import type { ClientMessages } from '../domain/messages/client-messages.js';
import { SourceService } from '../domain/onboarding/sources.js';
import {
  AccountLockedError,
  AuthenticationError,
  type StaffService,
} from '../domain/staff/staff-service.js';
import type { VisitService } from '../domain/visits/visit-service.js';
import type { Logger } from '../logger.js';
import {
  can,
  isPanelUser,
  PANEL_ACTIONS,
  PANEL_RESOURCES,
  type PanelResource,
  type PanelUser,
  VISIT_FIELDS,
} from './access.js';
import { NoDatabase, SourceResource } from './adapter/kysely-resource.js';
import type { RecordSource } from './adapter/record-source.js';
import { registerBookingPage } from './booking-page.js';
import { registerClientPages } from './client-pages.js';
import { couponActions } from './coupon-actions.js';
import { registerExport } from './export-page.js';
import { registerImportPage } from './import-page.js';
import { en, ru } from './locales/ru.js';
import { registerLoyaltyPage } from './loyalty-page.js';
import { PASSWORD_PATH, registerPasswordPage } from './password-page.js';
import { ADMIN_ROOT } from './paths.js';

import { clientActions, outboxActions, staffActions } from './record-actions.js';
import { isCrossSiteFetch, isSameOrigin, isStateChanging, requestPath } from './request-guard.js';

import { AcquisitionSourceRecords } from './resources/acquisition-source.js';
import { CardSource } from './resources/card-source.js';
import { BranchSource, MasterSource, ServiceSource } from './resources/catalogue-sources.js';
import { type ClientCard, ClientSource } from './resources/client-source.js';
import { CouponSource } from './resources/coupon-source.js';
import { HolidaySource } from './resources/holiday-source.js';
import { StaffSource } from './resources/staff-source.js';
import { auditLogSource, outboxSource } from './resources/table-source.js';
import { VisitSource } from './resources/visit-source.js';
import { PostgresSessionStore } from './session-store.js';
import { registerStatsPage } from './stats-page.js';
import { registerTemplatesPage } from './templates-page.js';
import { toolBar } from './tool-links.js';
import { visitActions } from './visit-actions.js';
import { registerVisitCompletePage } from './visit-complete-page.js';

const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const LOGIN_LIMIT = { max: 10, timeWindow: '5 minutes' };
const SYSTEM_FONTS =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

AdminJS.registerAdapter({ Database: NoDatabase, Resource: SourceResource });

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
  /** The extra facts on a client's card; built from the domain services. */
  clientCard?: ClientCard;
  staff: StaffService;
  logger: Logger;
  cookieSecure: boolean;
}

/** Every action of a resource gets a synchronous, deny-by-default check from the role table. */
function guarded(
  source: RecordSource,
  navigation: { name: string; icon: string },
  layout: { list?: string[]; show?: string[]; edit?: string[]; filter?: string[] } = {},
  extra: Record<string, object> = {},
): ResourceWithOptions {
  const actions = {
    ...Object.fromEntries(
      PANEL_ACTIONS.map((action) => [
        action,
        { isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, source.id, action) },
      ]),
    ),
    ...extra,
  };
  return {
    resource: source,
    options: {
      navigation,
      actions,
      ...(layout.list ? { listProperties: layout.list } : {}),
      ...(layout.show ? { showProperties: layout.show } : {}),
      ...(layout.edit ? { editProperties: layout.edit } : {}),
      ...(layout.filter ? { filterProperties: layout.filter } : {}),
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
    const id = (resource as RecordSource).id;
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
    'db' | 'clients' | 'cards' | 'catalogue' | 'visits' | 'clientCard' | 'staff' | 'loyalty'
  >,
): ResourceWithOptions[] {
  const holidays = new HolidaySource(deps.db, new HolidayService(deps.db));
  return [
    guarded(
      new ClientSource(deps.clients, deps.cards, deps.clientCard),
      { name: 'CRM', icon: 'Users' },
      {
        list: ['name', 'phone', 'birthday', 'tags', 'createdAt'],
        show: [
          'name',
          'phone',
          'birthday',
          'allergies',
          'notes',
          'preferences',
          'tags',
          'locale',
          'createdAt',
          'card',
          'discount',
          'points',
          'friends',
          'consents',
          'visits',
        ],
        edit: ['name', 'phone', 'birthday', 'allergies', 'notes', 'preferences', 'tags', 'locale'],
        filter: ['name', 'phone'],
      },
      clientActions({ clients: deps.clients, cards: deps.cards }),
    ),
    guarded(
      new VisitSource(deps.db, deps.clients),
      { name: 'CRM', icon: 'Calendar' },
      {
        list: ['startsAt', 'service', 'master', 'client', 'status', 'toPay'],
        show: VISIT_FIELDS.filter((f) => f !== 'id'),
        filter: ['status'],
      },
      visitActions(deps.visits),
    ),
    guarded(
      new BranchSource(deps.db, deps.catalogue),
      { name: 'Catalogue', icon: 'Home' },
      {
        list: ['name', 'time_zone', 'phone', 'address', 'active'],
      },
    ),
    guarded(
      new ServiceSource(deps.db, deps.catalogue),
      { name: 'Catalogue', icon: 'Home' },
      {
        list: ['name', 'category', 'duration_min', 'buffer_min', 'price', 'active'],
        filter: ['category'],
      },
    ),
    guarded(
      new MasterSource(deps.db, deps.catalogue),
      { name: 'Catalogue', icon: 'Home' },
      {
        list: ['display_name', 'branch_id', 'services', 'active'],
        show: [
          'display_name',
          'branch_id',
          'staff_user_id',
          'services',
          'hours',
          'exceptions',
          'active',
        ],
        edit: [
          'display_name',
          'branch_id',
          'staff_user_id',
          'services',
          'hours',
          'exceptions',
          'active',
        ],
      },
    ),
    guarded(
      new StaffSource(deps.db, deps.staff),
      { name: 'Settings', icon: 'Settings' },
      {
        list: ['email', 'display_name', 'role', 'active', 'last_login_at'],
        show: [
          'email',
          'display_name',
          'role',
          'branch_id',
          'locale',
          'active',
          'last_login_at',
          'created_at',
        ],
        filter: ['email', 'display_name'],
      },
      {
        ...staffActions({ staff: deps.staff }),
        // The e-mail is given once, at creation; a new account is active.
        new: {
          isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, 'StaffUser', 'new'),
          layout: ['email', 'display_name', 'role', 'branch_id', 'locale'],
        },
        edit: {
          isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, 'StaffUser', 'edit'),
          layout: ['display_name', 'role', 'branch_id', 'locale', 'active'],
        },
      },
    ),
    guarded(
      auditLogSource(deps.db),
      { name: 'Settings', icon: 'Settings' },
      {
        list: ['at', 'actor_type', 'actor_id', 'action', 'entity', 'entity_id', 'ip'],
      },
    ),
    guarded(
      outboxSource(deps.db),
      { name: 'Settings', icon: 'Settings' },
      {
        list: ['kind', 'status', 'attempts', 'created_at', 'not_before', 'sent_at', 'last_error'],
        filter: ['kind', 'status'],
      },
      outboxActions({ db: deps.db }),
    ),
    guarded(
      holidays,
      { name: 'Greetings', icon: 'Gift' },
      {
        list: [
          'name',
          'kind',
          'month',
          'day',
          'local_hour',
          'audience_kind',
          'active',
          'next_date',
        ],
        // The record shows every field of the source, the form its editable ones.
        show: holidays.fields.filter((f) => !f.isId).map((f) => f.path),
        edit: holidays.fields.filter((f) => f.editable).map((f) => f.path),
        filter: ['name', 'kind'],
      },
    ),
    guarded(
      new AcquisitionSourceRecords(deps.db, new SourceService(deps.db)),
      { name: 'Greetings', icon: 'Gift' },
      {
        list: ['name', 'parent_id', 'link_code', 'active', 'clients'],
        show: ['name', 'parent_id', 'link_code', 'active', 'deep_link', 'clients'],
        edit: ['name', 'parent_id', 'link_code', 'active'],
        filter: ['name'],
      },
    ),
    guarded(
      new CouponSource(deps.db, deps.loyalty),
      { name: 'Loyalty', icon: 'Gift' },
      {
        list: ['code', 'client_id', 'kind', 'percent', 'valid_until', 'state'],
        show: [
          'code',
          'client_id',
          'kind',
          'percent',
          'categories',
          'valid_from',
          'valid_until',
          'state',
          'created_at',
        ],
        edit: ['client_id', 'percent', 'categories', 'valid_from', 'valid_until'],
        filter: ['code', 'client_id', 'kind', 'state'],
      },
      couponActions({ loyalty: deps.loyalty }),
    ),
    guarded(
      new CardSource(deps.db),
      { name: 'Loyalty', icon: 'CreditCard' },
      {
        list: ['number', 'client_id', 'issued_at', 'revoked_at'],
        filter: ['number', 'client_id'],
      },
    ),
  ];
}

export function createAdmin(resources: ResourceWithOptions[]): AdminJS {
  assertAccessChecks(resources);
  return new AdminJS({
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
    adminUser?: PanelUser & { ip?: string };
    redirectTo?: string;
  }
}

/** Registers the panel inside its own encapsulated scope of the Fastify app. */
export async function registerPanel(app: FastifyInstance, deps: PanelDeps): Promise<AdminJS> {
  const admin = createAdmin(panelResources(deps));
  const open = publicPaths(admin);
  const log = deps.logger.child({ module: 'panel' });

  const cookieSecret = deps.crypto.lookupHash('panel-session-cookie', 'v1');
  await app.register(async (scope) => {
    // Before the rate-limit plugin, whose own onRoute hook reads this config.
    scope.addHook('onRoute', (route) => {
      if (route.url === admin.options.loginPath && route.method === 'POST') {
        route.config = { ...(route.config ?? {}), rateLimit: LOGIN_LIMIT };
      }
    });
    await scope.register(rateLimit, { global: false });

    scope.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      const path = requestPath(request.url);
      if (path === null) return reply.code(400).send({ error: 'bad path' });
      if (!path.startsWith(ADMIN_ROOT)) return;
      if (isStateChanging(request.method) && !isSameOrigin(request.headers, request.host)) {
        log.warn({ path }, 'cross-site or origin-less request to the panel refused');
        return reply.code(403).send({ error: 'cross-site request refused' });
      }
      if (path.startsWith(`${ADMIN_ROOT}/api/`) && isCrossSiteFetch(request.headers)) {
        log.warn({ path }, 'cross-site call of the panel API refused');
        return reply.code(403).send({ error: 'cross-site request refused' });
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
      request.session.set('adminUser', current);
    });

    // AdminJS's pages link a web font from the internet; the panel uses system fonts instead.
    scope.addHook('onSend', async (request, reply, payload) => {
      if (
        typeof payload !== 'string' ||
        !String(reply.getHeader('content-type') ?? '').includes('text/html')
      ) {
        return payload;
      }
      const fonts = payload.replace(
        /<link[^>]+fonts\.googleapis\.com[^>]*>/g,
        `<style>html, body, button, input, textarea, select { font-family: ${SYSTEM_FONTS} !important; }</style>`,
      );
      // AdminJS's own pages get the bar of the panel's other pages.
      // Before AdminJS's root: its `<div id="app" />` is an open tag to browsers, so anything
      // after it would become the root's content and be replaced when React renders.
      const root = fonts.indexOf('<div id="app"');
      if (root < 0) return fonts;
      return `${fonts.slice(0, root)}${toolBar(request.session.get('adminUser'))}${fonts.slice(root)}`;
    });

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
            if (err instanceof AuthenticationError || err instanceof AccountLockedError)
              return null;
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
    // After AdminJS's router: it registers the session and form-body plugins this page uses.
    registerPasswordPage(scope, deps.staff);
    registerImportPage(scope, { db: deps.db, clients: deps.clients });
    registerBookingPage(scope, { db: deps.db, booking: deps.booking, clients: deps.clients });
    registerStatsPage(scope, { db: deps.db });
    const visitSource = new VisitSource(deps.db, deps.clients);
    registerExport(scope, { db: deps.db, clients: deps.clients, visits: visitSource });
    registerVisitCompletePage(scope, { visits: deps.visits, source: visitSource });
    registerClientPages(scope, {
      db: deps.db,
      clients: deps.clients,
      messages: deps.messages,
      source: new ClientSource(deps.clients, deps.cards),
    });
    registerTemplatesPage(scope, { db: deps.db, crypto: deps.crypto });
    registerLoyaltyPage(scope, { loyalty: deps.loyalty, db: deps.db });
  });
  return admin;
}

export type { PanelResource };
export { ADMIN_ROOT };
