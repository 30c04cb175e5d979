/**
 * Staff accounts as the edges use them: one object bound to a database handle (atproto's
 * "service per handle"), whose methods are the top-level use cases. Each opens its transaction
 * with `inTransaction` (which joins one already open) and delegates to the functions of staff-accounts, staff-passwords, staff-links and staff-queries.
 */
import type { Crypto } from '../../crypto/crypto.js';
import type { Logger } from '../../logger.js';
import type { Actor } from '../actor.js';
import type { Translate } from '../messages/translate.js';
import type { Clock } from '../shared/clock.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import {
  createStaffAccount,
  ensureInitialOwner,
  type NewStaffAccount,
  updateStaffAccount,
} from './staff-accounts.js';
import { createLinkCode, redeemLinkCode } from './staff-links.js';
import { authenticate, changePassword, resetPassword } from './staff-passwords.js';
import { DEFAULT_STAFF_POLICY, type StaffPolicy } from './staff-policy.js';
import { staffById, staffByTelegramId } from './staff-queries.js';
import type { StaffDeps, StaffPatch, StaffUser } from './staff-rules.js';

export interface StaffServiceDeps {
  db: Db;
  crypto: Crypto;
  logger: Logger;
  /** Texts of the Telegram notices (an attack on an account). */
  translate: Translate;
  clock: Clock;
  /** Overrides of the password rule and lock-out policy; the rest keep their defaults. */
  policy?: Partial<StaffPolicy>;
}

export class StaffService {
  private readonly db: Db;
  private readonly logger: Logger;
  private readonly deps: StaffDeps & { dummyHash: string };
  /** The password rule and lock-out policy (settings; the defaults without them). */
  readonly policy: Readonly<StaffPolicy>;

  constructor(deps: StaffServiceDeps) {
    this.db = deps.db;
    this.logger = deps.logger.child({ module: 'staff' });
    this.policy = Object.freeze({ ...DEFAULT_STAFF_POLICY, ...deps.policy });
    this.deps = {
      crypto: deps.crypto,
      clock: deps.clock,
      translate: deps.translate,
      policy: this.policy,
      // Verified against for unknown e-mails, so a login takes as long whether or not it exists.
      dummyHash: deps.crypto.hashPassword(deps.crypto.generatePassword()),
    };
  }

  async create(
    input: NewStaffAccount,
    actor: Actor,
  ): Promise<{ user: StaffUser; password: string }> {
    const created = await inTransaction(this.db, (tx) =>
      createStaffAccount(tx, this.deps, input, actor),
    );
    this.logger.info(
      { staffId: created.user.id, role: created.user.role },
      'staff account created',
    );
    return created;
  }

  async update(id: string, patch: StaffPatch, actor: Actor): Promise<StaffUser> {
    const { user, fields } = await inTransaction(this.db, (tx) =>
      updateStaffAccount(tx, this.deps, id, patch, actor),
    );
    if (fields.length > 0) this.logger.info({ staffId: id, fields }, 'staff account changed');
    return user;
  }

  authenticate(rawEmail: string, password: string, ip: string | null): Promise<StaffUser> {
    return authenticate(this.db, this.deps, rawEmail, password, ip);
  }

  resetPassword(rawEmail: string, actor: Actor): Promise<string> {
    return inTransaction(this.db, (tx) => resetPassword(tx, this.deps, rawEmail, actor));
  }

  changePassword(
    id: string,
    current: string,
    next: string,
    actor: Actor,
    keepSession: string | null,
  ): Promise<void> {
    return inTransaction(this.db, (tx) =>
      changePassword(tx, this.deps, { id, current, next, keepSession }, actor),
    );
  }

  createLinkCode(rawEmail: string, actor: Actor): Promise<{ code: string; expiresAt: Date }> {
    return inTransaction(this.db, (tx) => createLinkCode(tx, this.deps, rawEmail, actor));
  }

  redeemLinkCode(code: string, telegramUserId: number): Promise<StaffUser> {
    return inTransaction(this.db, (tx) => redeemLinkCode(tx, this.deps, code, telegramUserId));
  }

  getByTelegramId(telegramUserId: number): Promise<StaffUser | null> {
    return staffByTelegramId(this.db, telegramUserId);
  }

  getById(id: string): Promise<StaffUser | null> {
    return staffById(this.db, id);
  }

  ensureInitialOwner(): Promise<{ email: string; password: string } | null> {
    return inTransaction(this.db, (tx) => ensureInitialOwner(tx, this.deps));
  }
}
