import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createLogger } from '../../src/logger.js';

export const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/test';

export async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Picks the server every test file creates its database on: TEST_DATABASE_URL, else the
 * PostgreSQL on 127.0.0.1:5432, else an embedded one started here for the whole run.
 */
export async function chooseTestServer(): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  if (process.env.TEST_DATABASE_URL) return { url: process.env.TEST_DATABASE_URL };
  if (await answers(LOCAL_SERVER)) return { url: LOCAL_SERVER };
  console.warn('tests: no PostgreSQL answers on 127.0.0.1:5432; using an embedded server');
  const base = mkdtempSync(path.join(os.tmpdir(), 'clientele-test-pg-'));
  chmodSync(base, 0o755); // the server runs as `postgres` when we are root
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(base, 'pg'),
    logger: createLogger({ level: 'silent' }),
  });
  const url = new URL(embedded.connectionString);
  url.pathname = '/postgres';
  return { url: url.toString(), embedded };
}
