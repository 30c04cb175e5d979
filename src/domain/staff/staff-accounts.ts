/**
 * Commands on staff accounts: create, change, and the first owner. Each takes the handle first
 * and writes the account and its audit entry on it; the caller's transaction makes them one.
 */
import { sql } from 'kysely';
import type { StaffRole } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { isUuid } from '../shared/ids.js';
import type { Db } from '../shared/transaction.js';
import {
  actingRole,
  checkBranch,
  checkDisplayName,
  checkLocale,
  checkPassword,
  checkRole,
  endSessions,
  INITIAL_OWNER_EMAIL,
  lockStaffRow,
  normaliseEmail,
  type StaffDeps,
  type StaffPatch,
  StaffRuleError,
  type StaffUser,
  toStaffUser,
} from './staff-rules.js';
import { checkManagerBranch } from './staff-scope.js';

export interface NewStaffAccount {
  email: string;
  displayName: string;
  role: StaffRole;
  /** None: a generated one-time password, changed at first login. */
  password?: string;
  branchId?: string | null;
  locale?: string;
}

/** Creates an account; returns it with its password (generated, or the one given). */
export async function createStaffAccount(
  db: Db,
  deps: StaffDeps,
  input: NewStaffAccount,
  actor: Actor,
): Promise<{ user: StaffUser; password: string }> {
  const email = normaliseEmail(typeof input.email === 'string' ? input.email : '');
  const displayName = checkDisplayName(input.displayName);
  const role = checkRole(input.role);
  const oneTime = input.password === undefined;
  const password = input.password ?? deps.crypto.generatePassword();
  // A generated one-time password (20 random characters) is changed at first login: only a
  // chosen one is held to the length rule, which may be set above its length.
  checkPassword(password, oneTime ? 0 : deps.policy.passwordMinLength);
  const locale = checkLocale(input.locale ?? 'ru');
  const branchId = await checkBranch(db, input.branchId);
  checkManagerBranch(role, branchId);
  const acting = await actingRole(db, actor);
  if (acting === 'admin' && role === 'owner') throw new StaffRuleError('role', 'owner-only');
  const created = await db
    .insertInto('staff_users')
    .values({
      email,
      display_name: displayName,
      role,
      password_hash: deps.crypto.hashPassword(password),
      branch_id: branchId,
      locale,
      must_change_password: oneTime,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((err: unknown) => {
      throw (err as { code?: string }).code === '23505' ? new ConflictError('email', 'taken') : err;
    });
  await recordAudit(db, actor, {
    action: 'create',
    entity: 'staff_user',
    entityId: created.id,
    details: { role },
  });
  return { user: toStaffUser(created), password };
}

/**
 * Changes an account. An admin may not touch an owner or make one; nobody changes their own role
 * or deactivates themselves; the last active owner stays an active owner (the owners' rows are
 * locked, so two demotions at once cannot both pass). Deactivation ends the person's panel
 * sessions. Returns the account and the fields that changed.
 */
export async function updateStaffAccount(
  db: Db,
  deps: StaffDeps,
  id: string,
  patch: StaffPatch,
  actor: Actor,
): Promise<{ user: StaffUser; fields: string[] }> {
  if (!isUuid(id)) throw new NotFoundError('staff_user');
  const displayName =
    patch.displayName === undefined ? undefined : checkDisplayName(patch.displayName);
  const role = patch.role === undefined ? undefined : checkRole(patch.role);
  const locale = patch.locale === undefined ? undefined : checkLocale(patch.locale);
  const branchId = patch.branchId === undefined ? undefined : await checkBranch(db, patch.branchId);
  if (patch.active !== undefined && typeof patch.active !== 'boolean')
    throw new InvalidInputError('active', 'invalid');
  // The owners first, always in the same order, then the account itself.
  const owners = await db
    .selectFrom('staff_users')
    .select('id')
    .where('role', '=', 'owner')
    .where('active', '=', true)
    .orderBy('id')
    .forUpdate()
    .execute();
  const row = await lockStaffRow(db, id);
  if (!row) throw new NotFoundError('staff_user');
  const acting = await actingRole(db, actor);
  if (acting === 'admin') {
    if (row.role === 'owner') throw new StaffRuleError('role', 'owner-only');
    if (role === 'owner') throw new StaffRuleError('role', 'owner-only');
  }
  const changes: {
    display_name?: string;
    role?: StaffRole;
    branch_id?: string | null;
    locale?: string;
    active?: boolean;
  } = {};
  if (displayName !== undefined && displayName !== row.display_name)
    changes.display_name = displayName;
  if (role !== undefined && role !== row.role) changes.role = role;
  if (branchId !== undefined && branchId !== row.branch_id) changes.branch_id = branchId;
  if (locale !== undefined && locale !== row.locale) changes.locale = locale;
  if (patch.active !== undefined && patch.active !== row.active) changes.active = patch.active;
  const self = actor.type === 'staff' && actor.id === row.id;
  if (self && changes.role !== undefined) throw new StaffRuleError('role', 'self');
  if (self && changes.active === false) throw new StaffRuleError('active', 'self');
  const losesOwner =
    row.role === 'owner' && row.active && (changes.role !== undefined || changes.active === false);
  if (losesOwner && !owners.some((o) => o.id !== row.id))
    throw new StaffRuleError(changes.role !== undefined ? 'role' : 'active', 'last-owner');
  // A manager needs a branch whenever role or branch is being set; other edits (say,
  // deactivating a manager made before branches were required) still go through.
  if (role !== undefined || branchId !== undefined)
    checkManagerBranch(
      changes.role ?? row.role,
      changes.branch_id !== undefined ? changes.branch_id : row.branch_id,
    );
  const fields = Object.keys(changes);
  if (fields.length === 0) return { user: toStaffUser(row), fields };
  const updated = await db
    .updateTable('staff_users')
    .set({ ...changes, updated_at: deps.clock() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (changes.active === false) await endSessions(db, id);
  await recordAudit(db, actor, {
    action: 'update',
    entity: 'staff_user',
    entityId: id,
    details: {
      fields,
      ...(changes.role !== undefined ? { role: { from: row.role, to: updated.role } } : {}),
    },
  });
  return { user: toStaffUser(updated), fields };
}

/**
 * On the very first start there is nobody to log in: creates the owner with a one-time password.
 * An advisory lock (held to the end of the caller's transaction) makes replicas starting together
 * create one owner, not two.
 */
export async function ensureInitialOwner(
  db: Db,
  deps: StaffDeps,
): Promise<{ email: string; password: string } | null> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('clientele:initial-owner'))`.execute(db);
  const any = await db.selectFrom('staff_users').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const password = deps.crypto.generatePassword();
  const row = await db
    .insertInto('staff_users')
    .values({
      email: INITIAL_OWNER_EMAIL,
      display_name: 'Owner',
      role: 'owner',
      password_hash: deps.crypto.hashPassword(password),
      must_change_password: true,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(
    db,
    { type: 'system', id: null },
    { action: 'create', entity: 'staff_user', entityId: row.id, details: { role: 'owner' } },
  );
  return { email: INITIAL_OWNER_EMAIL, password };
}
