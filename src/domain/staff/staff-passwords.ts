/**
 * Logging in and passwords: authentication with throttling and lock-out, the warning of an attack,
 * resets by an owner or admin, and a person's own change. Commands take the handle first; only
 * `authenticate` opens transactions itself (see there why).
 */
import { sql } from 'kysely';
import { isStrongPassword } from '../../crypto/password-strength.js';
import type { StaffUserRow } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { enqueueMessage } from '../outbox/outbox.js';
import { salonTimeZone } from '../salon-zone.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import { formatWhen } from '../visits/format-when.js';
import {
  accountFailures,
  claimAttempt,
  LOGIN_TIMINGS,
  recordSuccess,
  throttleAddress,
} from './login-throttle.js';
import { MAX_PASSWORD_LENGTH } from './staff-policy.js';
import {
  AuthenticationError,
  checkPassword,
  endSessions,
  lockStaffRow,
  mayManage,
  normaliseEmail,
  type StaffDeps,
  type StaffUser,
  toStaffUser,
} from './staff-rules.js';

/**
 * Checks a login. Every failure — unknown account, wrong password, inactive account, or an
 * address that must still wait — costs one password verification, the same queries (an unknown
 * e-mail is counted like an account, under a keyed hash) and the same answer, so neither the time
 * nor the answer tells an attacker more. Delays grow per account and address (see
 * login-throttle.ts and the policy); hashes made with old parameters are remade on success.
 *
 * A top-level use case with three transactions on purpose: the claimed attempt must stay
 * recorded when the login then fails, and the warning commits on its own.
 * `dummyHash` is verified against for unknown e-mails, so both take as long.
 */
export async function authenticate(
  db: Db,
  deps: StaffDeps & { dummyHash: string },
  rawEmail: string,
  password: string,
  ip: string | null,
): Promise<StaffUser> {
  const candidate = password.slice(0, MAX_PASSWORD_LENGTH);
  let email: string;
  try {
    email = normaliseEmail(rawEmail);
  } catch {
    email = String(rawEmail).trim().toLowerCase().slice(0, 254);
  }
  const row = await db
    .selectFrom('staff_users')
    .selectAll()
    .where(sql`lower(email)`, '=', email)
    .executeTakeFirst();
  const now = deps.clock();
  const address = throttleAddress(ip);
  const account = row
    ? { staffId: row.id }
    : { unknown: deps.crypto.lookupHash('login-email', email) };
  const claim = await inTransaction(db, (tx) =>
    claimAttempt(tx, account, address, now, deps.policy),
  );
  const verified = deps.crypto.verifyPassword(row?.password_hash ?? deps.dummyHash, candidate);
  const ok = verified && password.length <= MAX_PASSWORD_LENGTH;
  if (!row) {
    // The attempt is recorded, without the e-mail typed (it may be anybody's address).
    await recordAudit(
      db,
      { type: 'system', id: null, ip },
      { action: 'login_unknown_account', entity: 'staff_user', entityId: null },
    );
    await warnOfAttack(db, deps, null, claim.allowed ? claim.failures : 0, now);
    throw new AuthenticationError();
  }
  const actor = { type: 'staff' as const, id: row.id, ip };
  if (!claim.allowed || !row.active || !ok) {
    await recordAudit(db, actor, {
      action: claim.allowed ? 'login_failed' : 'login_throttled',
      entity: 'staff_user',
      entityId: row.id,
    });
    // A waiting attempt does not warn again, but costs the same count query.
    await warnOfAttack(
      db,
      deps,
      claim.allowed ? row : null,
      claim.allowed ? claim.failures : 0,
      now,
    );
    throw new AuthenticationError();
  }
  await inTransaction(db, async (tx) => {
    await recordSuccess(tx, row.id, address, now);
    await tx
      .updateTable('staff_users')
      .set({
        failed_logins: 0,
        last_login_at: now,
        ...(deps.crypto.passwordNeedsRehash(row.password_hash)
          ? { password_hash: deps.crypto.hashPassword(password) }
          : {}),
      })
      .where('id', '=', row.id)
      .execute();
    await recordAudit(tx, actor, { action: 'login', entity: 'staff_user', entityId: row.id });
  });
  return toStaffUser(row);
}

/**
 * Tells the account's holder and the salon's owners in Telegram that someone keeps failing to log
 * in to it: once an address has to wait or the account passes its ceiling, at most once per
 * account per hour (claimed on the row, so replicas do not both send). The text names the
 * account, the count and the time; never an address or a password.
 */
async function warnOfAttack(
  db: Db,
  deps: StaffDeps,
  row: StaffUserRow | null,
  failures: number,
  now: Date,
): Promise<void> {
  // Counted for unknown e-mails too, so both take the same queries.
  const total = await accountFailures(db, row?.id ?? 'unknown:', now);
  if (!row) return;
  if (failures < deps.policy.freeFailures && total < deps.policy.accountCeiling) return;
  await inTransaction(db, async (tx) => {
    const claimed = await tx
      .updateTable('staff_users')
      .set({ attack_noticed_at: now })
      .where('id', '=', row.id)
      .where((eb) =>
        eb.or([
          eb('attack_noticed_at', 'is', null),
          eb(
            'attack_noticed_at',
            '<=',
            new Date(now.getTime() - LOGIN_TIMINGS.noticeEveryMinutes * 60_000),
          ),
        ]),
      )
      .returning('id')
      .executeTakeFirst();
    if (!claimed) return;
    const recipients = await tx
      .selectFrom('staff_users')
      .select(['id', 'telegram_user_id', 'locale'])
      .where('telegram_user_id', 'is not', null)
      .where('active', '=', true)
      .where((eb) => eb.or([eb('id', '=', row.id), eb('role', '=', 'owner')]))
      .execute();
    const zone = await salonTimeZone(tx);
    for (const to of recipients) {
      const chatId = Number(to.telegram_user_id);
      await enqueueMessage(tx, deps.crypto, {
        dedupeKey: `login-attack:${row.id}:${chatId}:${now.getTime()}`,
        chatId,
        clientId: null,
        kind: 'login-attack',
        message: {
          text: deps.translate(
            to.locale,
            to.id === row.id ? 'staff-login-attack' : 'staff-login-attack-other',
            { email: row.email, count: total, when: formatWhen(now, zone, to.locale) },
          ),
        },
      });
    }
    await recordAudit(
      tx,
      { type: 'system', id: null },
      {
        action: 'login_attack_notice',
        entity: 'staff_user',
        entityId: row.id,
        details: { failures: total, recipients: recipients.length },
      },
    );
  });
}

/**
 * Gives an account a new one-time password (returned, to be handed over) and ends its sessions:
 * whoever knew the old password may be logged in with it.
 */
export async function resetPassword(
  db: Db,
  deps: StaffDeps,
  rawEmail: string,
  actor: Actor,
): Promise<string> {
  const email = normaliseEmail(rawEmail);
  const password = deps.crypto.generatePassword();
  const hash = deps.crypto.hashPassword(password);
  const target = await db
    .selectFrom('staff_users')
    .select(['id', 'role'])
    .where(sql`lower(email)`, '=', email)
    .forUpdate()
    .executeTakeFirst();
  if (!target) throw new NotFoundError('staff_user');
  await mayManage(db, actor, target.role, 'record');
  await db
    .updateTable('staff_users')
    .set({
      password_hash: hash,
      must_change_password: true,
      failed_logins: 0,
      locked_until: null,
      updated_at: deps.clock(),
    })
    .where('id', '=', target.id)
    .execute();
  await endSessions(db, target.id);
  await recordAudit(db, actor, {
    action: 'reset_password',
    entity: 'staff_user',
    entityId: target.id,
  });
  return password;
}

/**
 * Replaces a password after checking the current one; clears the one-time flag. The new one must
 * be long enough and hard to guess (zxcvbn, with the person's e-mail and name counted as known).
 * Every other session of the person ends: whoever learnt the old password may be logged in with
 * it. `keepSession` is the session making the change, which stays.
 */
export async function changePassword(
  db: Db,
  deps: StaffDeps,
  change: { id: string; current: string; next: string; keepSession: string | null },
  actor: Actor,
): Promise<void> {
  const { id, current, next } = change;
  const row = await lockStaffRow(db, id);
  if (
    !row ||
    current.length > MAX_PASSWORD_LENGTH ||
    !deps.crypto.verifyPassword(row.password_hash, current)
  ) {
    throw new InvalidInputError('current', 'wrong');
  }
  checkPassword(next, deps.policy.passwordMinLength);
  if (next === current) throw new InvalidInputError('password', 'same');
  const [local = ''] = row.email.split('@');
  if (
    !(await isStrongPassword(
      next,
      [row.email, local, row.display_name],
      deps.policy.passwordMinScore,
    ))
  )
    throw new InvalidInputError('password', 'weak');
  await db
    .updateTable('staff_users')
    .set({
      password_hash: deps.crypto.hashPassword(next),
      must_change_password: false,
      updated_at: deps.clock(),
    })
    .where('id', '=', id)
    .execute();
  const ended = await endSessions(db, id, change.keepSession);
  await recordAudit(db, actor, {
    action: 'change_password',
    entity: 'staff_user',
    entityId: id,
    details: { endedSessions: ended },
  });
}
