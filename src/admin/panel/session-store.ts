import type { Session } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

type Callback = (err?: unknown) => void;

/** Panel sessions in PostgreSQL, so they survive restarts and work across replicas. */
export class PostgresSessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ttlMs: number,
  ) {}

  set(sid: string, session: Session, callback: Callback): void {
    const expires = session.cookie?.expires
      ? new Date(session.cookie.expires)
      : new Date(Date.now() + this.ttlMs);
    const data = JSON.stringify(session);
    this.db
      .insertInto('admin_sessions')
      .values({ sid, data, expires_at: expires })
      .onConflict((oc) => oc.column('sid').doUpdateSet({ data, expires_at: expires }))
      .execute()
      .then(() => callback(), callback);
  }

  get(sid: string, callback: (err: unknown, session?: Session | null) => void): void {
    this.db
      .selectFrom('admin_sessions')
      .select(['data', 'expires_at'])
      .where('sid', '=', sid)
      .executeTakeFirst()
      .then((row) => {
        if (!row || row.expires_at <= new Date()) return callback(null, null);
        callback(null, row.data as unknown as Session);
      }, callback);
  }

  destroy(sid: string, callback: Callback): void {
    this.db
      .deleteFrom('admin_sessions')
      .where('sid', '=', sid)
      .execute()
      .then(() => callback(), callback);
  }
}
