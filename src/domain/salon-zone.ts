import type { Db } from './shared/transaction.js';

/**
 * The salon's own time zone where a date belongs to the salon as a whole (a coupon's last day,
 * a holiday's next date, when rules were saved): its first branch's, active ones first.
 */
export async function salonTimeZone(db: Db): Promise<string> {
  const branch = await db
    .selectFrom('branches')
    .select('time_zone')
    .orderBy('active', 'desc')
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  return branch?.time_zone ?? 'UTC';
}
