/**
 * The one transaction convention (Kysely's): every domain function takes the handle first —
 * `Db`, which is either the pool or an open transaction — and never opens a transaction of its
 * own. Only a top-level use case (a bot handler, a panel action, a job tick) calls `inTransaction`,
 * so that what one use case changes, audits and tells someone commits or rolls back together.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

/** The pool or an open transaction: what every domain function takes first. */
export type Db = Kysely<Database> | Transaction<Database>;
export type Tx = Transaction<Database>;

export interface TransactionOptions {
  /** `serializable` retries on a serialization failure or deadlock (SQLSTATE 40001 / 40P01). */
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Attempts in all for a retried transaction; the last failure is thrown. */
  attempts?: number;
}

const RETRYABLE = new Set(['40001', '40P01']);

function isRetryable(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && RETRYABLE.has((err as { code?: string }).code ?? '')
  );
}

/**
 * Runs `fn` in one transaction. Called inside a transaction already, it joins it (Kysely cannot
 * nest), so a use case may be composed into a larger one without changing.
 */
export async function inTransaction<T>(
  db: Db,
  fn: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  const attempts =
    options.isolation === 'serializable' || options.isolation === 'repeatable read'
      ? (options.attempts ?? 5)
      : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      const builder = db.transaction();
      return await (options.isolation
        ? builder.setIsolationLevel(options.isolation)
        : builder
      ).execute(fn);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
    }
  }
}
