import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runScript, waitForOutput } from '../helpers/child-run.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

const start = runScript;

function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clientele-signals-'));
  chmodSync(dir, 0o755); // the embedded server runs as `postgres` when we are root
  return path.join(dir, 'data');
}

/** Processes of the server on `cluster`: the postmaster names it, and every backend works in it. */
function postgresProcesses(cluster: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // another user's process: the command line still tells
      }
      if (cwd === cluster || (args[0]?.endsWith('postgres') && args.includes(cluster)))
        found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** The running server itself (not initdb's bootstrap processes, which also work in the folder). */
function postmasterRunning(cluster: string): boolean {
  return postgresProcesses(cluster).some((pid) => {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return args.includes('-k') && args.includes(cluster);
    } catch {
      return false;
    }
  });
}

describe('signals during start-up and the migrate tool', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('signals');
  });
  afterAll(() => t.drop());

  it('a Ctrl-C while start-up is under way stops cleanly and leaves no postgres behind', async () => {
    const dir = dataDir();
    const cluster = path.join(dir, 'pg', 'cluster');
    const port = await freePort();
    const env = { DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', ROLES: 'web,jobs' };
    const run = start('src/main.ts', { ...env, LOG_LEVEL: 'info' });
    // The embedded server is up; migrations, keys and the panel are still ahead.
    await waitForOutput(run.child, run.stdout, 'embedded PostgreSQL running', 60_000);
    expect(postmasterRunning(cluster)).toBe(true);
    expect(run.child.exitCode, run.stderr()).toBeNull();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('stopping once start-up is done');
    expect(run.stdout()).toContain('"msg":"stopped"');
    expect(run.stderr()).toBe('');
    expect(run.stdout()).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(cluster, 'postmaster.pid'))).toBe(false);
    expect(postgresProcesses(cluster)).toEqual([]);
    // The owner was created before the stop, so its one-time password must have been shown.
    expect(run.stdout()).toContain('This password is shown once');

    const again = start('src/main.ts', { ...env, LOG_LEVEL: 'info' });
    await waitForOutput(again.child, again.stdout, 'Clientele is running', 60_000);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(again.stdout()).not.toContain('This password is shown once');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(postgresProcesses(cluster)).toEqual([]);
  }, 120_000);

  it('npm run migrate reports the schema and fails in one line', async () => {
    const ok = start('src/cli/migrate.ts', { DATABASE_URL: t.url, CLIENTELE_MASTER_KEY: KEY });
    expect(await ok.exited, ok.stderr()).toBe(0);
    expect(ok.stdout()).toMatch(/^database is up to date: \d+ migrations applied\n$/);
    expect(ok.stderr()).toBe('');

    const closed = await freePort();
    const bad = start('src/cli/migrate.ts', {
      DATABASE_URL: `postgres://app:pa55-w0rd@127.0.0.1:${closed}/clientele`,
      CLIENTELE_MASTER_KEY: KEY,
    });
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toMatch(/^migrate: DATABASE_URL: .*connection refused.*\n$/);
    expect(bad.stderr()).not.toContain('pa55-w0rd');
    expect(bad.stdout()).toBe('');
  }, 60_000);
});
