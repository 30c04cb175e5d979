import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { LOCAL_SERVER } from './test-server.js';

export interface TestDatabase {
  url: string;
  db: Kysely<Database>;
  handle: DatabaseHandle;
  drop(): Promise<void>;
}

let serverUrl: string | undefined;

/** The server tests create their databases on; chosen once by tests/global-setup.ts. */
function server(): string {
  serverUrl ??= process.env.TEST_DATABASE_URL ?? LOCAL_SERVER;
  return serverUrl;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, migrated database for one test file; drop() removes it. */
export async function createTestDatabase(label = 't'): Promise<TestDatabase> {
  const base = server();
  const name = `clientele_${label.replace(/\W/g, '').slice(0, 20)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(base, name);
  const handle = createDatabase(url);
  await migrateToLatest(handle.db);
  return {
    url,
    db: handle.db,
    handle,
    async drop() {
      await handle.close();
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
