/**
 * What a staff account is and the rules every change to one obeys: field checks, who may manage
 * whom, and ending a person's panel sessions. Used by the account, password and link use cases.
 */
import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { StaffRole, StaffUserRow } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { cleanText } from '../clients/normalise.js';
import { DomainError, InvalidInputError } from '../errors.js';
import type { Translate } from '../messages/translate.js';
import type { Clock } from '../shared/clock.js';
import { isUuid } from '../shared/ids.js';
import type { Db } from '../shared/transaction.js';
import { MAX_PASSWORD_LENGTH, type StaffPolicy } from './staff-policy.js';

/** What the staff use cases need besides the database handle. */
export interface StaffDeps {
  crypto: Crypto;
  /** The runtime's one clock. */
  clock: Clock;
  /** The password rule and lock-out policy. */
  policy: Readonly<StaffPolicy>;
  /** Texts of the Telegram notices (an attack on an account). */
  translate: Translate;
}

export const STAFF_ROLES: readonly StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];
export const INITIAL_OWNER_EMAIL = 'owner@clientele.local';

export class AuthenticationError extends DomainError {
  override name = 'AuthenticationError';
  constructor() {
    super('wrong e-mail or password');
  }
}

/** A staff link code that cannot be used: unknown, already used or expired. */
export class LinkCodeError extends DomainError {
  override name = 'LinkCodeError';
  constructor(readonly reason: 'unknown' | 'used' | 'expired') {
    super(`staff link code ${reason}`);
  }
}

/**
 * A staff change the rules forbid: an admin touching an owner, a change to one's own role or
 * activity, or leaving the salon without an active owner. `field` names the form field.
 */
export class StaffRuleError extends InvalidInputError {
  override name = 'StaffRuleError';
  constructor(field: string, code: 'owner-only' | 'self' | 'last-owner' | 'not-allowed') {
    super(field, code);
  }
}

export interface StaffPatch {
  displayName?: string;
  role?: StaffRole;
  branchId?: string | null;
  locale?: string;
  active?: boolean;
}

export interface StaffUser {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  branchId: string | null;
  locale: string;
  telegramUserId: number | null;
  active: boolean;
  mustChangePassword: boolean;
}

const LOCALES = ['ru', 'en'];
const MAX_NAME_LENGTH = 120;

export function toStaffUser(row: StaffUserRow): StaffUser {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    branchId: row.branch_id,
    locale: row.locale,
    telegramUserId: row.telegram_user_id === null ? null : Number(row.telegram_user_id),
    active: row.active,
    mustChangePassword: row.must_change_password,
  };
}

export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (
    email.length > 254 ||
    !/^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[a-z0-9-]{2,}$/i.test(email)
  ) {
    throw new InvalidInputError('email', 'invalid');
  }
  return email;
}

export function checkDisplayName(raw: unknown): string {
  if (typeof raw !== 'string') throw new InvalidInputError('displayName', 'required');
  const name = cleanText('displayName', raw, MAX_NAME_LENGTH);
  if (name === '') throw new InvalidInputError('displayName', 'required');
  // A name is shown in pages, notices and Telegram messages: text, never markup.
  if (/[<>]/.test(name)) throw new InvalidInputError('displayName', 'format');
  return name;
}

export function checkRole(role: unknown): StaffRole {
  if (!STAFF_ROLES.includes(role as StaffRole)) throw new InvalidInputError('role', 'invalid');
  return role as StaffRole;
}

export function checkLocale(locale: unknown): string {
  if (typeof locale !== 'string' || !LOCALES.includes(locale))
    throw new InvalidInputError('locale', 'invalid');
  return locale;
}

/** A branch that exists, or none. */
export async function checkBranch(
  db: Db,
  branchId: string | null | undefined,
): Promise<string | null> {
  if (branchId === null || branchId === undefined || branchId === '') return null;
  if (!isUuid(branchId)) throw new InvalidInputError('branchId', 'invalid');
  const row = await db
    .selectFrom('branches')
    .select('id')
    .where('id', '=', branchId)
    .executeTakeFirst();
  if (!row) throw new InvalidInputError('branchId', 'invalid');
  return row.id;
}

export function checkPassword(password: string, minLength: number): void {
  if (password.length < minLength) throw new InvalidInputError('password', 'too-short');
  if (password.length > MAX_PASSWORD_LENGTH) throw new InvalidInputError('password', 'too-long');
}

/** A staff account's row, locked until the caller's transaction ends; undefined if none. */
export function lockStaffRow(db: Db, id: string) {
  return db
    .selectFrom('staff_users')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * The role of the staff member acting, or null for the system (CLI, start-up). A staff actor
 * that is unknown or inactive may do nothing.
 */
export async function actingRole(db: Db, actor: Actor): Promise<StaffRole | null> {
  if (actor.type === 'system') return null;
  if (actor.type !== 'staff' || !isUuid(actor.id))
    throw new StaffRuleError('record', 'not-allowed');
  const row = await db
    .selectFrom('staff_users')
    .select(['role', 'active'])
    .where('id', '=', actor.id)
    .executeTakeFirst();
  if (!row?.active || !['owner', 'admin'].includes(row.role))
    throw new StaffRuleError('record', 'not-allowed');
  return row.role;
}

/** Only owners (and the system) manage owners. */
export async function mayManage(
  db: Db,
  actor: Actor,
  targetRole: StaffRole,
  field: string,
): Promise<void> {
  const acting = await actingRole(db, actor);
  if (acting === 'admin' && targetRole === 'owner') throw new StaffRuleError(field, 'owner-only');
}

/**
 * Ends a staff member's panel sessions (the panel keeps its sessions in this table), but the one
 * named in `keep`; returns how many ended.
 */
export async function endSessions(
  db: Db,
  staffId: string,
  keep: string | null = null,
): Promise<number> {
  let query = db
    .deleteFrom('admin_sessions')
    .where(sql<string>`data->'adminUser'->>'id'`, '=', staffId);
  if (keep !== null) query = query.where('sid', '!=', keep);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
