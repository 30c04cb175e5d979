import type { Db } from '../shared/transaction.js';

/**
 * A client's home branch is the branch of their first booking: known before the first visit
 * happens (so greetings go at that branch's local hour from the start), and stable — a visit to
 * another branch does not move them. Staff may set another in the panel; it is never
 * overwritten here once set. Returns whether it was set now.
 */
export async function adoptHomeBranch(
  db: Db,
  clientId: string,
  branchId: string,
): Promise<boolean> {
  const result = await db
    .updateTable('clients')
    .set({ home_branch_id: branchId })
    .where('id', '=', clientId)
    .where('home_branch_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
