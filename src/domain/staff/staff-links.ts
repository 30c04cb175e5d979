/**
 * Linking a staff member's Telegram account with a one-time code (S5): only the code's keyed hash
 * is stored, and the code itself is shown once. Handle first; the caller owns the transaction.
 */
import { sql } from 'kysely';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { NotFoundError } from '../errors.js';
import type { Db } from '../shared/transaction.js';
import {
  LinkCodeError,
  mayManage,
  normaliseEmail,
  type StaffDeps,
  type StaffUser,
  toStaffUser,
} from './staff-rules.js';

const LINK_CODE_HOURS = 24;
const LINK_CODE = /^[A-Za-z0-9_-]{10,64}$/;

export async function createLinkCode(
  db: Db,
  deps: StaffDeps,
  rawEmail: string,
  actor: Actor,
): Promise<{ code: string; expiresAt: Date }> {
  const email = normaliseEmail(rawEmail);
  const row = await db
    .selectFrom('staff_users')
    .select(['id', 'role'])
    .where(sql`lower(email)`, '=', email)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('staff_user');
  await mayManage(db, actor, row.role, 'record');
  const code = deps.crypto.randomToken(18);
  const expiresAt = new Date(deps.clock().getTime() + LINK_CODE_HOURS * 3_600_000);
  await db
    .insertInto('staff_link_tokens')
    .values({
      token_hash: deps.crypto.lookupHash('staff-link', code),
      staff_user_id: row.id,
      expires_at: expiresAt,
    })
    .execute();
  await recordAudit(db, actor, {
    action: 'create_link_code',
    entity: 'staff_user',
    entityId: row.id,
  });
  return { code, expiresAt };
}

/** Uses a link code once, binding the Telegram account that presents it. */
export async function redeemLinkCode(
  db: Db,
  deps: StaffDeps,
  code: string,
  telegramUserId: number,
): Promise<StaffUser> {
  if (!LINK_CODE.test(code)) throw new LinkCodeError('unknown');
  const now = deps.clock();
  const token = await db
    .selectFrom('staff_link_tokens')
    .selectAll()
    .where('token_hash', '=', deps.crypto.lookupHash('staff-link', code))
    .forUpdate()
    .executeTakeFirst();
  if (!token) throw new LinkCodeError('unknown');
  if (token.used_at) throw new LinkCodeError('used');
  if (token.expires_at <= now) throw new LinkCodeError('expired');
  await db
    .updateTable('staff_link_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', token.token_hash)
    .execute();
  // One Telegram account belongs to one staff member: move it if it was linked elsewhere.
  await db
    .updateTable('staff_users')
    .set({ telegram_user_id: null })
    .where('telegram_user_id', '=', String(telegramUserId))
    .execute();
  const row = await db
    .updateTable('staff_users')
    .set({ telegram_user_id: telegramUserId, updated_at: now })
    .where('id', '=', token.staff_user_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(
    db,
    { type: 'staff', id: row.id },
    { action: 'link_telegram', entity: 'staff_user', entityId: row.id },
  );
  return toStaffUser(row);
}
