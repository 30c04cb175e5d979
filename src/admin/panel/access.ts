import type { StaffRole } from '../../db/schema.js';
import { RESOURCES } from './resources/index.js';
import { fieldsSeenBy, formFields } from './resources/resource-definition.js';

/** Who is logged in to the panel, as kept in the session. */
export interface PanelUser {
  id: string;
  email: string;
  role: StaffRole;
  title: string;
  locale: string;
}

export const PANEL_ACTIONS = [
  'list',
  'show',
  'new',
  'edit',
  'delete',
  'bulkDelete',
  'search',
] as const;
/** Actions of our own on one record, beside AdminJS's built-in ones. */
export const RECORD_ACTIONS = [
  'complete',
  'cancel',
  'noShow',
  'reissueCard',
  'erase',
  'linkCode',
  'resetPassword',
  'retry',
  // Pages of our own beside a record (not AdminJS actions); the table still decides who.
  'exportData',
  'merge',
  'revoke',
  // Resource actions of our own on a list: CSV import, CSV/XLSX export.
  'import',
  'export',
  // The client card with its visits, consents and friends.
  'card',
] as const;
export type PanelAction = (typeof PANEL_ACTIONS)[number] | (typeof RECORD_ACTIONS)[number];
export type PanelResource =
  | 'Client'
  | 'Visit'
  | 'Branch'
  | 'Service'
  | 'Master'
  | 'StaffUser'
  | 'AuditEntry'
  | 'OutboxMessage'
  | 'Holiday'
  | 'AcquisitionSource'
  | 'Coupon'
  | 'LoyaltyCard';

type Rules = Partial<Record<StaffRole, readonly PanelAction[]>>;

/** The same actions for several roles. */
const forRoles = (roles: readonly StaffRole[], actions: readonly PanelAction[]): Rules =>
  Object.fromEntries(roles.map((role) => [role, actions]));

const OWNER_ADMIN: readonly StaffRole[] = ['owner', 'admin'];
const FRONT_DESK: readonly StaffRole[] = ['owner', 'admin', 'manager'];
const READ: readonly PanelAction[] = ['list', 'show', 'search'];

/** The catalogue holds no personal data: owners and admins edit it, others may read it. */
const CATALOGUE_ACTIONS: Rules = {
  ...forRoles(OWNER_ADMIN, [...READ, 'new', 'edit']),
  ...forRoles(['manager', 'analyst'], READ),
};

/** What the front desk does with a client; erasing and merging are for owners and admins. */
const CLIENT_DESK: readonly PanelAction[] = [
  ...READ,
  'new',
  'edit',
  'card',
  'reissueCard',
  'exportData',
  'import',
  'export',
];
const VISIT_DESK: readonly PanelAction[] = [...READ, 'complete', 'noShow', 'export'];

/**
 * The one table of who may do what in the panel. Anything not listed is denied: a new
 * resource or action is invisible to everyone until a line here allows it. Which fields each
 * of them receives or changes is the resource's definition (resources/*.ts), for the roles
 * that may read (list or show) it here.
 */
const ACTIONS: Record<PanelResource, Rules> = {
  Client: {
    ...forRoles(OWNER_ADMIN, [...CLIENT_DESK, 'erase', 'merge']),
    manager: CLIENT_DESK,
  },
  // The scope (whose visits) is the store's: a manager their branch, a master their own.
  Visit: { ...forRoles(FRONT_DESK, [...VISIT_DESK, 'cancel']), master: VISIT_DESK },
  Branch: CATALOGUE_ACTIONS,
  Service: CATALOGUE_ACTIONS,
  Master: CATALOGUE_ACTIONS,
  // Admins manage everyone but owners: the staff service refuses them on an owner.
  StaffUser: forRoles(OWNER_ADMIN, [...READ, 'new', 'edit', 'linkCode', 'resetPassword']),
  AuditEntry: forRoles(OWNER_ADMIN, READ),
  OutboxMessage: forRoles(OWNER_ADMIN, [...READ, 'retry']),
  Holiday: CATALOGUE_ACTIONS,
  AcquisitionSource: CATALOGUE_ACTIONS,
  // Coupons name their client: the roles that see clients. Never edited, only revoked.
  Coupon: forRoles(FRONT_DESK, [...READ, 'new', 'revoke']),
  // Read-only: a card is issued or reissued from the client's card.
  LoyaltyCard: forRoles(FRONT_DESK, READ),
};

/** The roles that may read a resource at all (list or show it). */
function readersOf(resource: PanelResource): StaffRole[] {
  return (Object.entries(ACTIONS[resource]) as [StaffRole, readonly PanelAction[]][])
    .filter(([, actions]) => actions.includes('list') || actions.includes('show'))
    .map(([role]) => role);
}

/** Every staff role, for rules that let anyone logged in through. */
const EVERY_ROLE: readonly StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];

/**
 * Who may open a page (GET) and who may change something through it (any other method;
 * `change` defaults to `open`).
 */
interface PageRule {
  open: readonly StaffRole[];
  change?: readonly StaffRole[];
}

/**
 * The panel's AdminJS pages (`pages:`), denied unless listed. A page passed to AdminJS without a
 * line here stops the panel at start-up (assertPageRules).
 */
const PAGES = {
  // Walk-in booking: whoever runs the front desk.
  booking: { open: ['owner', 'admin', 'manager'] },
  // The numbers name no one; nothing on the page changes anything.
  stats: { open: ['owner', 'admin', 'manager', 'analyst'], change: [] },
  // Anyone who plans may read the loyalty rules; only owners and admins change them.
  loyalty: { open: ['owner', 'admin', 'manager', 'analyst'], change: ['owner', 'admin'] },
  templates: { open: ['owner', 'admin'] },
  // The sandbox (only without BOT_TOKEN) shows any persona's chat.
  sandbox: { open: ['owner', 'admin'] },
  // Backups hold every client's data: only owners may take the whole base away.
  backups: { open: ['owner'] },
  // Ratings and /feedback messages: analysts get the score distribution only (the handler
  // shows items to the roles that may list clients); those who see items mark and reply.
  feedback: {
    open: ['owner', 'admin', 'manager', 'analyst'],
    change: ['owner', 'admin', 'manager'],
  },
} satisfies Record<string, PageRule>;
export type PanelPage = keyof typeof PAGES;
export const PANEL_PAGES = Object.keys(PAGES) as PanelPage[];

/**
 * Who may call a plain Fastify route of the panel (streams, uploads, the password page):
 * the rule of a page or a resource action it belongs to, a list of roles, anyone logged in
 * ('staff'), or anyone at all ('public': only for what reveals nothing).
 */
export type RouteRule =
  | { page: PanelPage }
  | { resource: PanelResource; action: PanelAction }
  | { roles: readonly StaffRole[] }
  | { anyOf: readonly RouteRule[] }
  | 'staff'
  | 'public';

const SANDBOX: RouteRule = { page: 'sandbox' };

/**
 * Every plain route of ours in the panel's scope, by method and path as registered (`:id` for a
 * parameter; HEAD goes with GET). A route added without a line here stops the panel at
 * start-up; a request to a route of the scope that is not AdminJS's and not here is refused.
 */
const ROUTES: Record<string, RouteRule> = {
  // The page a one-time password leads to: every staff member must be able to reach it.
  'GET /admin/password': 'staff',
  // Apache ECharts as published (a library, no data): the analytics screens' charts.
  'GET /admin/static/echarts.min.js': 'staff',
  'POST /admin/password': 'staff',
  'GET /admin/backups/:name': { page: 'backups' },
  // The CSV upload of the import action on Clients.
  'POST /admin/import/run': { resource: 'Client', action: 'import' },
  // The files of the export action on each list.
  'GET /admin/export/clients.:format': { resource: 'Client', action: 'export' },
  'GET /admin/export/visits.:format': { resource: 'Visit', action: 'export' },
  'GET /admin/clients/:id/export.json': { resource: 'Client', action: 'exportData' },
  // The sandbox's chat API (only without BOT_TOKEN); its chat is the AdminJS page `sandbox`.
  // /sandbox is a short address of the page that only redirects.
  'GET /sandbox': 'public',
  'GET /admin/sandbox': SANDBOX,
  'GET /admin/sandbox/api/state': SANDBOX,
  'POST /admin/sandbox/api/personas': SANDBOX,
  'GET /admin/sandbox/api/personas/:id/messages': SANDBOX,
  'POST /admin/sandbox/api/personas/:id/send': SANDBOX,
  'POST /admin/sandbox/api/personas/:id/press': SANDBOX,
  'POST /admin/sandbox/api/personas/:id/contact': SANDBOX,
  'GET /admin/sandbox/api/personas/:id/files/:messageId': SANDBOX,
};

/** The registered routes, for tests that walk them. */
export const PANEL_ROUTES = Object.keys(ROUTES).map((key) => {
  const [method = '', url = ''] = key.split(' ');
  return { method, url, rule: ROUTES[key] as RouteRule };
});

const isReading = (method: string) => ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());

/** Whether the user may open a page (GET) or act through it (any other method). */
export function canOpenPage(user: unknown, page: string, method = 'GET'): boolean {
  if (!isPanelUser(user)) return false;
  if (!Object.hasOwn(PAGES, page)) return false;
  const rule: PageRule = PAGES[page as PanelPage];
  const roles = isReading(method) ? rule.open : (rule.change ?? rule.open);
  return roles.includes(user.role);
}

/** The pages a user's sidebar lists (the server checks each page again when opened). */
export function pagesOf(user: unknown): PanelPage[] {
  return PANEL_PAGES.filter((page) => canOpenPage(user, page));
}

const routeKey = (method: string, url: string) =>
  `${method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase()} ${url}`;

/** Whether a route has a rule in the table. */
export function hasRouteRule(method: string, url: string): boolean {
  return Object.hasOwn(ROUTES, routeKey(method, url));
}

/**
 * Whether the user (undefined when nobody is logged in) may call a route, by the method and
 * the path pattern it was registered with. Routes not in the table: nobody.
 */
export function canCallRoute(user: unknown, method: string, url: string): boolean {
  const key = routeKey(method, url);
  return Object.hasOwn(ROUTES, key) && obeys(user, method, ROUTES[key] as RouteRule);
}

function obeys(user: unknown, method: string, rule: RouteRule): boolean {
  if (rule === 'public') return true;
  if (!isPanelUser(user)) return false;
  if (rule === 'staff') return EVERY_ROLE.includes(user.role);
  if ('page' in rule) return canOpenPage(user, rule.page, method);
  if ('resource' in rule) return can(user, rule.resource, rule.action);
  if ('anyOf' in rule) return rule.anyOf.some((r) => obeys(user, method, r));
  return rule.roles.includes(user.role);
}

/** The pages passed to AdminJS all have a rule: a page without one stops the panel. */
export function assertPageRules(pages: Record<string, unknown>): void {
  for (const page of Object.keys(pages))
    if (!Object.hasOwn(PAGES, page))
      throw new Error(`panel: page "${page}" has no rule in the access table (access.ts PAGES)`);
}

/** A route without a rule stops the panel (called for every route added to its scope). */
export function assertRouteRule(method: string, url: string): void {
  if (!hasRouteRule(method, url))
    throw new Error(
      `panel: route ${routeKey(method, url)} has no rule in the access table (access.ts ROUTES)`,
    );
}

/** Every panel resource, in the order of the role table. */
export const PANEL_RESOURCES = Object.keys(ACTIONS) as PanelResource[];

export function isPanelUser(value: unknown): value is PanelUser {
  const v = value as Partial<PanelUser> | null;
  return typeof v?.id === 'string' && typeof v.role === 'string' && typeof v.email === 'string';
}

export function can(user: unknown, resource: PanelResource, action: string): boolean {
  if (!isPanelUser(user)) return false;
  return (ACTIONS[resource][user.role] ?? []).includes(action as PanelAction);
}

/** The fields the user receives: the resource's definition, for the roles that may read it. */
export function visibleFields(user: unknown, resource: PanelResource): ReadonlySet<string> {
  if (!isPanelUser(user)) return new Set();
  return new Set(fieldsSeenBy(RESOURCES[resource], user.role, readersOf(resource)));
}

/**
 * The fields the user may change through a create ('new') or edit form: none without that
 * action in the table; else those of the form in the resource's definition.
 */
export function editableFields(
  user: unknown,
  resource: PanelResource,
  form: 'new' | 'edit',
): ReadonlySet<string> {
  if (!can(user, resource, form)) return new Set();
  return new Set(formFields(RESOURCES[resource], form));
}

/** Keeps only the params of the allowed fields (a nested `tags.0` belongs to `tags`). */
export function onlyFields<T extends Record<string, unknown>>(
  params: T,
  allowed: ReadonlySet<string>,
): Partial<T> {
  return Object.fromEntries(
    Object.entries(params).filter(([key]) => allowed.has(key.split('.')[0] ?? key)),
  ) as Partial<T>;
}

/** Keeps only the fields the user may see. */
export function stripFields<T extends Record<string, unknown>>(
  user: unknown,
  resource: PanelResource,
  params: T,
): Partial<T> {
  return onlyFields(params, visibleFields(user, resource));
}

/**
 * The Telegram sandbox (/sandbox, only without BOT_TOKEN): owners and admins, who may see any
 * chat and create a persona linked to a staff account.
 */
export function canUseSandbox(user: unknown): boolean {
  return canOpenPage(user, 'sandbox');
}
