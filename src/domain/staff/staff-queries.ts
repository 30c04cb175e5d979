/** Reading staff accounts: who a Telegram user is, and an account by id. Handle first. */
import { isUuid } from '../shared/ids.js';
import type { Db } from '../shared/transaction.js';
import { type StaffUser, toStaffUser } from './staff-rules.js';

/** The active staff member linked to a Telegram account, if any. */
export async function staffByTelegramId(db: Db, telegramUserId: number): Promise<StaffUser | null> {
  const row = await db
    .selectFrom('staff_users')
    .selectAll()
    .where('telegram_user_id', '=', String(telegramUserId))
    .where('active', '=', true)
    .executeTakeFirst();
  return row ? toStaffUser(row) : null;
}

export async function staffById(db: Db, id: string): Promise<StaffUser | null> {
  if (!isUuid(id)) return null;
  const row = await db
    .selectFrom('staff_users')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toStaffUser(row) : null;
}
