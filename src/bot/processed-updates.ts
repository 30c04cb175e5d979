import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Telegram may deliver an update again (webhook timeouts, restarts, polling retrying an update
 * that failed). Each update id is claimed once; a second claim returns false. Kept for a week,
 * not as "greater than the last id", because ids are not guaranteed to arrive in order across
 * replicas.
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

/**
 * The claim as one statement with the id written in (an integer, checked), so that it can go to
 * the server in one round trip with the statements before it; it affects one row when claimed.
 */
export function claimStatement(updateId: number): string {
  if (!Number.isSafeInteger(updateId)) throw new TypeError('an update id is an integer');
  return `INSERT INTO processed_updates (update_id) VALUES (${updateId}) ON CONFLICT (update_id) DO NOTHING`;
}

/** Forgets the update ids claimed before `cutoff` (the caller's clock decides what is old). */
export async function forgetOldUpdates(db: Kysely<Database>, cutoff: Date): Promise<number> {
  const result = await db
    .deleteFrom('processed_updates')
    .where('processed_at', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
