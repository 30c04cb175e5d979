import { type Kysely, sql, type Transaction } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import { MIN_PASSWORD_LENGTH } from '../../crypto/passwords.js';
import type { Database, StaffRole, StaffUserRow } from '../../db/schema.js';
import type { Logger } from '../../logger.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { cleanText } from '../clients/normalise.js';
import { ConflictError, DomainError, InvalidInputError, NotFoundError } from '../errors.js';

export const STAFF_ROLES: readonly StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];
export const INITIAL_OWNER_EMAIL = 'owner@clientele.local';
const MAX_FAILURES = 5;
const LOCK_MINUTES = 15;
const MAX_PASSWORD_LENGTH = 256;

export class AuthenticationError extends DomainError {
  override name = 'AuthenticationError';
  constructor() {
    super('wrong e-mail or password');
  }
}

export class AccountLockedError extends DomainError {
  override name = 'AccountLockedError';
  constructor(readonly until: Date) {
    super('account locked after repeated failed logins');
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
  constructor(field: string, code: 'owner_only' | 'self' | 'last_owner' | 'not_allowed') {
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

const LINK_CODE_HOURS = 24;
const LOCALES = ['ru', 'en'];
const MAX_NAME_LENGTH = 120;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

function toStaffUser(row: StaffUserRow): StaffUser {
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

function checkDisplayName(raw: unknown): string {
  if (typeof raw !== 'string') throw new InvalidInputError('displayName', 'required');
  const name = cleanText('displayName', raw, MAX_NAME_LENGTH);
  if (name === '') throw new InvalidInputError('displayName', 'required');
  return name;
}

function checkRole(role: unknown): StaffRole {
  if (!STAFF_ROLES.includes(role as StaffRole)) throw new InvalidInputError('role', 'invalid');
  return role as StaffRole;
}

function checkLocale(locale: unknown): string {
  if (typeof locale !== 'string' || !LOCALES.includes(locale))
    throw new InvalidInputError('locale', 'invalid');
  return locale;
}

/** A branch that exists, or none. */
async function checkBranch(
  db: Kysely<Database>,
  branchId: string | null | undefined,
): Promise<string | null> {
  if (branchId === null || branchId === undefined || branchId === '') return null;
  if (typeof branchId !== 'string' || !UUID.test(branchId))
    throw new InvalidInputError('branchId', 'invalid');
  const row = await db
    .selectFrom('branches')
    .select('id')
    .where('id', '=', branchId)
    .executeTakeFirst();
  if (!row) throw new InvalidInputError('branchId', 'invalid');
  return row.id;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new InvalidInputError('password', 'too_short');
  if (password.length > MAX_PASSWORD_LENGTH) throw new InvalidInputError('password', 'too_long');
}

/** Staff accounts: creation, login with throttling and lock-out, password resets. */
export class StaffService {
  private readonly db: Kysely<Database>;
  private readonly crypto: Crypto;
  private readonly logger: Logger;
  /** Verified against for unknown e-mails, so a login takes as long whether or not it exists. */
  private readonly dummyHash: string;

  constructor(deps: { db: Kysely<Database>; crypto: Crypto; logger: Logger }) {
    this.db = deps.db;
    this.crypto = deps.crypto;
    this.logger = deps.logger.child({ module: 'staff' });
    this.dummyHash = this.crypto.hashPassword(this.crypto.generatePassword());
  }

  async create(
    input: {
      email: string;
      displayName: string;
      role: StaffRole;
      password?: string;
      branchId?: string | null;
      locale?: string;
    },
    actor: Actor,
  ): Promise<{ user: StaffUser; password: string }> {
    const email = normaliseEmail(typeof input.email === 'string' ? input.email : '');
    const displayName = checkDisplayName(input.displayName);
    const role = checkRole(input.role);
    const oneTime = input.password === undefined;
    const password = input.password ?? this.crypto.generatePassword();
    checkPassword(password);
    const locale = checkLocale(input.locale ?? 'ru');
    const branchId = await checkBranch(this.db, input.branchId);
    try {
      const row = await this.db.transaction().execute(async (tx) => {
        const acting = await this.actingRole(tx, actor);
        if (acting === 'admin' && role === 'owner') throw new StaffRuleError('role', 'owner_only');
        const created = await tx
          .insertInto('staff_users')
          .values({
            email,
            display_name: displayName,
            role,
            password_hash: this.crypto.hashPassword(password),
            branch_id: branchId,
            locale,
            must_change_password: oneTime,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordAudit(tx, actor, {
          action: 'create',
          entity: 'staff_user',
          entityId: created.id,
          details: { role },
        });
        return created;
      });
      this.logger.info({ staffId: row.id, role: row.role }, 'staff account created');
      return { user: toStaffUser(row), password };
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ConflictError('email', 'taken');
      throw err;
    }
  }

  /**
   * Checks a login. Five failures lock the account for fifteen minutes; the check costs the
   * same for unknown accounts. Hashes made with old parameters are remade on success.
   */
  async authenticate(rawEmail: string, password: string, ip: string | null): Promise<StaffUser> {
    let email: string;
    try {
      email = normaliseEmail(rawEmail);
    } catch {
      this.crypto.verifyPassword(this.dummyHash, password.slice(0, MAX_PASSWORD_LENGTH));
      throw new AuthenticationError();
    }
    const row = await this.db
      .selectFrom('staff_users')
      .selectAll()
      .where(sql`lower(email)`, '=', email)
      .executeTakeFirst();
    const now = new Date();
    if (row?.locked_until && row.locked_until > now) {
      throw new AccountLockedError(row.locked_until);
    }
    const ok =
      password.length <= MAX_PASSWORD_LENGTH &&
      this.crypto.verifyPassword(row?.password_hash ?? this.dummyHash, password);
    if (!row?.active || !ok) {
      if (row) {
        const failures = row.failed_logins + 1;
        const locked = failures >= MAX_FAILURES;
        await this.db
          .updateTable('staff_users')
          .set({
            failed_logins: locked ? 0 : failures,
            locked_until: locked
              ? new Date(now.getTime() + LOCK_MINUTES * 60_000)
              : row.locked_until,
          })
          .where('id', '=', row.id)
          .execute();
        await recordAudit(
          this.db,
          { type: 'staff', id: row.id, ip },
          {
            action: locked ? 'login_locked' : 'login_failed',
            entity: 'staff_user',
            entityId: row.id,
          },
        );
        if (locked) throw new AccountLockedError(new Date(now.getTime() + LOCK_MINUTES * 60_000));
      }
      throw new AuthenticationError();
    }
    await this.db
      .updateTable('staff_users')
      .set({
        failed_logins: 0,
        locked_until: null,
        last_login_at: now,
        ...(this.crypto.passwordNeedsRehash(row.password_hash)
          ? { password_hash: this.crypto.hashPassword(password) }
          : {}),
      })
      .where('id', '=', row.id)
      .execute();
    await recordAudit(
      this.db,
      { type: 'staff', id: row.id, ip },
      { action: 'login', entity: 'staff_user', entityId: row.id },
    );
    return toStaffUser(row);
  }

  async resetPassword(rawEmail: string, actor: Actor): Promise<string> {
    const email = normaliseEmail(rawEmail);
    const password = this.crypto.generatePassword();
    const hash = this.crypto.hashPassword(password);
    await this.db.transaction().execute(async (tx) => {
      const target = await tx
        .selectFrom('staff_users')
        .select(['id', 'role'])
        .where(sql`lower(email)`, '=', email)
        .forUpdate()
        .executeTakeFirst();
      if (!target) throw new NotFoundError('staff_user');
      await this.mayManage(tx, actor, target.role, 'record');
      await tx
        .updateTable('staff_users')
        .set({
          password_hash: hash,
          must_change_password: true,
          failed_logins: 0,
          locked_until: null,
          updated_at: new Date(),
        })
        .where('id', '=', target.id)
        .execute();
      // Whoever knew the old password may be logged in with it: those sessions end too.
      await endSessions(tx, target.id);
      await recordAudit(tx, actor, {
        action: 'reset_password',
        entity: 'staff_user',
        entityId: target.id,
      });
    });
    return password;
  }

  /**
   * Changes a staff account. An admin may not touch an owner or make one; nobody changes their
   * own role or deactivates themselves; the last active owner stays an active owner (the
   * owners' rows are locked, so two demotions at once cannot both pass). Deactivation ends the
   * person's panel sessions.
   */
  async update(id: string, patch: StaffPatch, actor: Actor): Promise<StaffUser> {
    if (typeof id !== 'string' || !UUID.test(id)) throw new NotFoundError('staff_user');
    const displayName =
      patch.displayName === undefined ? undefined : checkDisplayName(patch.displayName);
    const role = patch.role === undefined ? undefined : checkRole(patch.role);
    const locale = patch.locale === undefined ? undefined : checkLocale(patch.locale);
    const branchId =
      patch.branchId === undefined ? undefined : await checkBranch(this.db, patch.branchId);
    if (patch.active !== undefined && typeof patch.active !== 'boolean')
      throw new InvalidInputError('active', 'invalid');
    const result = await this.db.transaction().execute(async (tx) => {
      // The owners first, always in the same order, then the account itself.
      const owners = await tx
        .selectFrom('staff_users')
        .select('id')
        .where('role', '=', 'owner')
        .where('active', '=', true)
        .orderBy('id')
        .forUpdate()
        .execute();
      const row = await tx
        .selectFrom('staff_users')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new NotFoundError('staff_user');
      const acting = await this.actingRole(tx, actor);
      if (acting === 'admin') {
        if (row.role === 'owner') throw new StaffRuleError('role', 'owner_only');
        if (role === 'owner') throw new StaffRuleError('role', 'owner_only');
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
        row.role === 'owner' &&
        row.active &&
        (changes.role !== undefined || changes.active === false);
      if (losesOwner && !owners.some((o) => o.id !== row.id))
        throw new StaffRuleError(changes.role !== undefined ? 'role' : 'active', 'last_owner');
      const fields = Object.keys(changes);
      if (fields.length === 0) return { row, fields };
      const updated = await tx
        .updateTable('staff_users')
        .set({ ...changes, updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (changes.active === false) await endSessions(tx, id);
      await recordAudit(tx, actor, {
        action: 'update',
        entity: 'staff_user',
        entityId: id,
        details: {
          fields,
          ...(changes.role !== undefined ? { role: { from: row.role, to: updated.role } } : {}),
        },
      });
      return { row: updated, fields };
    });
    if (result.fields.length > 0)
      this.logger.info({ staffId: id, fields: result.fields }, 'staff account changed');
    return toStaffUser(result.row);
  }

  /**
   * The role of the staff member acting, or null for the system (CLI, start-up). A staff actor
   * that is unknown or inactive may do nothing.
   */
  private async actingRole(db: Kysely<Database>, actor: Actor): Promise<StaffRole | null> {
    if (actor.type === 'system') return null;
    if (actor.type !== 'staff' || typeof actor.id !== 'string' || !UUID.test(actor.id))
      throw new StaffRuleError('record', 'not_allowed');
    const row = await db
      .selectFrom('staff_users')
      .select(['role', 'active'])
      .where('id', '=', actor.id)
      .executeTakeFirst();
    if (!row?.active || !['owner', 'admin'].includes(row.role))
      throw new StaffRuleError('record', 'not_allowed');
    return row.role;
  }

  /** Only owners (and the system) manage owners. */
  private async mayManage(
    db: Kysely<Database>,
    actor: Actor,
    targetRole: StaffRole,
    field: string,
  ): Promise<void> {
    const acting = await this.actingRole(db, actor);
    if (acting === 'admin' && targetRole === 'owner') throw new StaffRuleError(field, 'owner_only');
  }

  /** Replaces a password after checking the current one; clears the one-time flag. */
  async changePassword(id: string, current: string, next: string, actor: Actor): Promise<void> {
    const row = await this.db
      .selectFrom('staff_users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (
      !row ||
      current.length > MAX_PASSWORD_LENGTH ||
      !this.crypto.verifyPassword(row.password_hash, current)
    ) {
      throw new InvalidInputError('current', 'wrong');
    }
    checkPassword(next);
    if (next === current) throw new InvalidInputError('password', 'same');
    await this.db
      .updateTable('staff_users')
      .set({
        password_hash: this.crypto.hashPassword(next),
        must_change_password: false,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    await recordAudit(this.db, actor, {
      action: 'change_password',
      entity: 'staff_user',
      entityId: id,
    });
  }

  /**
   * A one-time code that binds a staff member's Telegram account (S5). Only its keyed hash is
   * stored; the code itself is shown once.
   */
  async createLinkCode(rawEmail: string, actor: Actor): Promise<{ code: string; expiresAt: Date }> {
    const email = normaliseEmail(rawEmail);
    const row = await this.db
      .selectFrom('staff_users')
      .select(['id', 'role'])
      .where(sql`lower(email)`, '=', email)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('staff_user');
    await this.mayManage(this.db, actor, row.role, 'record');
    const code = this.crypto.randomToken(18);
    const expiresAt = new Date(Date.now() + LINK_CODE_HOURS * 3_600_000);
    await this.db
      .insertInto('staff_link_tokens')
      .values({
        token_hash: this.crypto.lookupHash('staff-link', code),
        staff_user_id: row.id,
        expires_at: expiresAt,
      })
      .execute();
    await recordAudit(this.db, actor, {
      action: 'create_link_code',
      entity: 'staff_user',
      entityId: row.id,
    });
    return { code, expiresAt };
  }

  /** Uses a link code once, binding the Telegram account that presents it. */
  async redeemLinkCode(code: string, telegramUserId: number): Promise<StaffUser> {
    if (!/^[A-Za-z0-9_-]{10,64}$/.test(code)) throw new LinkCodeError('unknown');
    return this.db.transaction().execute(async (tx) => {
      const token = await tx
        .selectFrom('staff_link_tokens')
        .selectAll()
        .where('token_hash', '=', this.crypto.lookupHash('staff-link', code))
        .forUpdate()
        .executeTakeFirst();
      if (!token) throw new LinkCodeError('unknown');
      if (token.used_at) throw new LinkCodeError('used');
      if (token.expires_at <= new Date()) throw new LinkCodeError('expired');
      await tx
        .updateTable('staff_link_tokens')
        .set({ used_at: new Date() })
        .where('token_hash', '=', token.token_hash)
        .execute();
      // One Telegram account belongs to one staff member: move it if it was linked elsewhere.
      await tx
        .updateTable('staff_users')
        .set({ telegram_user_id: null })
        .where('telegram_user_id', '=', String(telegramUserId))
        .execute();
      const row = await tx
        .updateTable('staff_users')
        .set({ telegram_user_id: telegramUserId, updated_at: new Date() })
        .where('id', '=', token.staff_user_id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(
        tx,
        { type: 'staff', id: row.id },
        { action: 'link_telegram', entity: 'staff_user', entityId: row.id },
      );
      return toStaffUser(row);
    });
  }

  async getByTelegramId(telegramUserId: number): Promise<StaffUser | null> {
    const row = await this.db
      .selectFrom('staff_users')
      .selectAll()
      .where('telegram_user_id', '=', String(telegramUserId))
      .where('active', '=', true)
      .executeTakeFirst();
    return row ? toStaffUser(row) : null;
  }

  async getById(id: string): Promise<StaffUser | null> {
    const row = await this.db
      .selectFrom('staff_users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toStaffUser(row) : null;
  }

  /**
   * On the very first start there is nobody to log in: create the owner with a one-time
   * password. An advisory lock makes replicas starting together create one owner, not two.
   */
  async ensureInitialOwner(): Promise<{ email: string; password: string } | null> {
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('clientele:initial-owner'))`.execute(tx);
      const any = await tx.selectFrom('staff_users').select('id').limit(1).executeTakeFirst();
      if (any) return null;
      const password = this.crypto.generatePassword();
      const row = await tx
        .insertInto('staff_users')
        .values({
          email: INITIAL_OWNER_EMAIL,
          display_name: 'Owner',
          role: 'owner',
          password_hash: this.crypto.hashPassword(password),
          must_change_password: true,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(
        tx,
        { type: 'system', id: null },
        { action: 'create', entity: 'staff_user', entityId: row.id, details: { role: 'owner' } },
      );
      return { email: INITIAL_OWNER_EMAIL, password };
    });
  }
}

/** Ends a staff member's panel sessions (the panel keeps its sessions in this table). */
async function endSessions(tx: Transaction<Database>, staffId: string): Promise<void> {
  await tx
    .deleteFrom('admin_sessions')
    .where(sql<string>`data->'adminUser'->>'id'`, '=', staffId)
    .execute();
}
