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
    types: { getTypeParser },
  });
  // An idle client losing its server (for example the embedded server stopping first) must not
  // crash the process with an unhandled 'error' event.
  pool.on('error', (err) =>
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
