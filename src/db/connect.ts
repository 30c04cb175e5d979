import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger.js';
import type { Database } from './schema.js';

const DATE_OID = 1082;

/** Calendar dates stay 'YYYY-MM-DD' strings: as Date objects they would shift with time zones. */
function getTypeParser(oid: number, format?: 'text' | 'binary') {
  if (oid === DATE_OID) return (value: string) => value;
  // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not accept a union format
  return pg.types.getTypeParser(oid, format as any);
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDatabase(
  url: string,
  options: { logger?: Logger; max?: number } = {},
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // A server that does not answer (cut off, not merely restarting) fails a query after this
    // long instead of holding it forever; a restarted one is reconnected to by the next query.
    connectionTimeoutMillis: 30_000,
    types: { getTypeParser },
  });
  keepAliveWithoutServer(pool, (err) =>
    options.logger?.warn({ err: { message: err.message } }, 'database connection lost'),
  );
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** Connection details without the password, for log lines and error messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * A connection losing its server (a restart, the embedded server stopping first) must not crash
 * the process with an unhandled 'error' event: pg's pool listens only while a connection is
 * idle in the pool, not while it is checked out and between two statements of a transaction
 * (or holding a chat's lock while the handler runs). Each connection gets a listener of its
 * own; the one that failed is no longer queryable, its next query fails, and the pool replaces
 * it once it is released.
 */
export function keepAliveWithoutServer(pool: pg.Pool, onLost: (err: Error) => void = () => {}) {
  pool.on('error', onLost);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
}
