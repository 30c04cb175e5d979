import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * Telegram may deliver an update again (webhook timeouts, restarts). Each update id is claimed
 * once; a second claim returns false. Kept for a week, not as "greater than the last id",
 * because ids are not guaranteed to arrive in order across replicas.
 */
export async function claimUpdate(db: Kysely<Database>, updateId: number): Promise<boolean> {
  const row = await db
    .insertInto('processed_updates')
    .values({ update_id: updateId })
    .onConflict((oc) => oc.column('update_id').doNothing())
    .returning('update_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function forgetOldUpdates(db: Kysely<Database>, olderThanDays = 7): Promise<number> {
  const result = await db
    .deleteFrom('processed_updates')
    .where('processed_at', '<', sql<Date>`now() - make_interval(days => ${olderThanDays})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
