import type { StaffRole } from '../db/schema.js';

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

/** The catalogue holds no personal data: owners and admins edit it, others may read it. */
const CATALOGUE_ACTIONS: Rules = {
  owner: ['list', 'show', 'new', 'edit', 'search'],
  admin: ['list', 'show', 'new', 'edit', 'search'],
  manager: ['list', 'show', 'search'],
  analyst: ['list', 'show', 'search'],
};

/**
 * The one table of who may do what in the panel. Anything not listed is denied: a new
 * resource or action is invisible to everyone until a line here allows it.
 */
const ACTIONS: Record<PanelResource, Rules> = {
  Client: {
    owner: ['list', 'show', 'new', 'edit', 'search', 'reissueCard', 'erase', 'exportData', 'merge'],
    admin: ['list', 'show', 'new', 'edit', 'search', 'reissueCard', 'erase', 'exportData', 'merge'],
    manager: ['list', 'show', 'new', 'edit', 'search', 'reissueCard', 'exportData'],
  },
  // The scope (whose visits) is the source's: a manager their branch, a master their own.
  Visit: {
    owner: ['list', 'show', 'search', 'complete', 'cancel', 'noShow'],
    admin: ['list', 'show', 'search', 'complete', 'cancel', 'noShow'],
    manager: ['list', 'show', 'search', 'complete', 'cancel', 'noShow'],
    master: ['list', 'show', 'search', 'complete', 'noShow'],
  },
  Branch: CATALOGUE_ACTIONS,
  Service: CATALOGUE_ACTIONS,
  Master: CATALOGUE_ACTIONS,
  // Admins manage everyone but owners: the staff service refuses them on an owner.
  StaffUser: {
    owner: ['list', 'show', 'new', 'edit', 'search', 'linkCode', 'resetPassword'],
    admin: ['list', 'show', 'new', 'edit', 'search', 'linkCode', 'resetPassword'],
  },
  AuditEntry: {
    owner: ['list', 'show', 'search'],
    admin: ['list', 'show', 'search'],
  },
  OutboxMessage: {
    owner: ['list', 'show', 'search', 'retry'],
    admin: ['list', 'show', 'search', 'retry'],
  },
  Holiday: CATALOGUE_ACTIONS,
  AcquisitionSource: CATALOGUE_ACTIONS,
  // Coupons name their client: the roles that see clients. Never edited, only revoked.
  Coupon: {
    owner: ['list', 'show', 'new', 'search', 'revoke'],
    admin: ['list', 'show', 'new', 'search', 'revoke'],
    manager: ['list', 'show', 'new', 'search', 'revoke'],
  },
  // Read-only: a card is issued or reissued from the client's card.
  LoyaltyCard: {
    owner: ['list', 'show', 'search'],
    admin: ['list', 'show', 'search'],
    manager: ['list', 'show', 'search'],
  },
};

function catalogueFields(fields: readonly string[]) {
  return { owner: fields, admin: fields, manager: fields, analyst: fields };
}

/** Everything a visit shows to those who see it whole. */
export const VISIT_FIELDS = [
  'id',
  'startsAt',
  'service',
  'master',
  'branch',
  'status',
  'client',
  'clientPhone',
  'clientNotes',
  'clientAllergies',
  'price',
  'discountPct',
  'toPay',
  'amountPaid',
] as const;

/** A client card's facts beyond the client's own fields. */
const CARD_FIELDS = ['card', 'discount', 'points', 'friends', 'consents', 'visits'] as const;

/** The queue's state only: never the message, the chat or the client. */
const OUTBOX_FIELDS = [
  'id',
  'kind',
  'status',
  'attempts',
  'created_at',
  'not_before',
  'sent_at',
  'last_error',
] as const;

const COUPON_FIELDS = [
  'id',
  'code',
  'client_id',
  'kind',
  'percent',
  'categories',
  'valid_from',
  'valid_until',
  'state',
  'created_at',
] as const;
const LOYALTY_CARD_FIELDS = ['number', 'client_id', 'issued_at', 'revoked_at'] as const;
const STAFF_FIELDS = [
  'id',
  'email',
  'display_name',
  'role',
  'branch_id',
  'locale',
  'active',
  'last_login_at',
  'created_at',
] as const;

/**
 * Fields each role may receive, per resource. Fields not named are removed on the server before
 * a record leaves it (hiding in the page is not enough: the JSON API would still carry them).
 */
const FIELDS: Record<PanelResource, Partial<Record<StaffRole, readonly string[]>>> = {
  Client: {
    owner: [
      'id',
      'name',
      'phone',
      'birthday',
      'notes',
      'allergies',
      'preferences',
      'tags',
      'locale',
      'createdAt',
      ...CARD_FIELDS,
    ],
    admin: [
      'id',
      'name',
      'phone',
      'birthday',
      'notes',
      'allergies',
      'preferences',
      'tags',
      'locale',
      'createdAt',
      ...CARD_FIELDS,
    ],
    manager: [
      'id',
      'name',
      'phone',
      'birthday',
      'notes',
      'allergies',
      'preferences',
      'tags',
      'locale',
      'createdAt',
      ...CARD_FIELDS,
    ],
  },
  StaffUser: {
    owner: STAFF_FIELDS,
    admin: STAFF_FIELDS,
  },
  AuditEntry: {
    owner: ['id', 'at', 'actor_type', 'actor_id', 'action', 'entity', 'entity_id', 'ip', 'details'],
    admin: ['id', 'at', 'actor_type', 'actor_id', 'action', 'entity', 'entity_id', 'ip', 'details'],
  },
  OutboxMessage: {
    owner: OUTBOX_FIELDS,
    admin: OUTBOX_FIELDS,
  },
  Branch: catalogueFields(['id', 'name', 'time_zone', 'phone', 'address', 'active']),
  Service: catalogueFields([
    'id',
    'name',
    'category',
    'duration_min',
    'buffer_min',
    'price',
    'branch_id',
    'active',
  ]),
  Master: catalogueFields([
    'id',
    'display_name',
    'branch_id',
    'staff_user_id',
    'services',
    'hours',
    'exceptions',
    'active',
  ]),
  Coupon: { owner: COUPON_FIELDS, admin: COUPON_FIELDS, manager: COUPON_FIELDS },
  LoyaltyCard: {
    owner: LOYALTY_CARD_FIELDS,
    admin: LOYALTY_CARD_FIELDS,
    manager: LOYALTY_CARD_FIELDS,
  },
  Visit: {
    owner: VISIT_FIELDS,
    admin: VISIT_FIELDS,
    manager: VISIT_FIELDS,
    // The phone only where the salon allows it (the source leaves it out otherwise).
    master: [
      'id',
      'startsAt',
      'service',
      'status',
      'client',
      'clientPhone',
      'clientNotes',
      'clientAllergies',
      'toPay',
    ],
  },
  Holiday: catalogueFields([
    'id',
    'name',
    'kind',
    'month',
    'day',
    'weekday',
    'nth',
    'local_hour',
    'audience_kind',
    'audience_values',
    'audience_months',
    'active',
    'next_date',
  ]),
  // Counts of clients only, never who they are.
  AcquisitionSource: catalogueFields([
    'id',
    'name',
    'parent_id',
    'link_code',
    'active',
    'deep_link',
    'clients',
  ]),
};

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

export function visibleFields(user: unknown, resource: PanelResource): ReadonlySet<string> {
  if (!isPanelUser(user)) return new Set();
  return new Set(FIELDS[resource][user.role] ?? []);
}

/** Keeps only the fields the user may see. */
export function stripFields<T extends Record<string, unknown>>(
  user: unknown,
  resource: PanelResource,
  params: T,
): Partial<T> {
  const allowed = visibleFields(user, resource);
  return Object.fromEntries(
    Object.entries(params).filter(([key]) => allowed.has(key.split('.')[0] ?? key)),
  ) as Partial<T>;
}
