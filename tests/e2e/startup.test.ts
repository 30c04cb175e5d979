import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type Run,
  runScript,
  waitForOutput,
  waitHealthy as waitHealthyOn,
} from '../helpers/child-run.js';
import { type FakeBotApi, startFakeBotApi } from '../helpers/fake-bot-api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const KEY = Buffer.alloc(32, 9).toString('base64');
const MAIN = path.resolve('src/main.ts');

/** The product's main, logging at info unless told otherwise. */
const start = (env: Record<string, string>) => runScript(MAIN, { LOG_LEVEL: 'info', ...env });

const waitHealthy = (port: number, run: Run, timeoutMs = 60_000) =>
  waitHealthyOn(port, run.child, () => run.stderr() + run.stdout().slice(-2000), timeoutMs);

function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clientele-start-'));
  chmodSync(dir, 0o755); // the embedded server runs as `postgres` when we are root
  return path.join(dir, 'data');
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function expectOneLineFailure(
  env: Record<string, string>,
  variable: string,
): Promise<string> {
  const run = start({ DATA_DIR: dataDir(), ...env });
  expect(await run.exited).toBe(1);
  const lines = run.stderr().trim().split('\n');
  expect(lines, run.stderr()).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^clientele: ${variable}`));
  expect(run.stderr()).not.toMatch(/\n\s+at /);
  return lines[0] ?? '';
}

describe('starting and stopping the product', () => {
  let t: TestDatabase;
  let fake: FakeBotApi;
  beforeAll(async () => {
    t = await createTestDatabase('startup');
    fake = await startFakeBotApi();
  });
  afterAll(async () => {
    await fake.close();
    await t.drop();
  });

  it('refuses a malformed key, a bad DATABASE_URL and unknown ROLES in one line', async () => {
    await expectOneLineFailure({ CLIENTELE_MASTER_KEY: 'not-a-key' }, 'CLIENTELE_MASTER_KEY');
    await expectOneLineFailure({ CLIENTELE_MASTER_KEY: KEY, ROLES: 'web,admin' }, 'ROLES');
    const closed = await freePort();
    const refused = await expectOneLineFailure(
      {
        CLIENTELE_MASTER_KEY: KEY,
        DATABASE_URL: `postgres://app:s3cret-pass@127.0.0.1:${closed}/clientele`,
      },
      'DATABASE_URL',
    );
    expect(refused).toMatch(/connection refused/);
    expect(refused).not.toContain('s3cret-pass');
    const url = new URL(t.url);
    url.pathname = '/no_such_database_here';
    expect(
      await expectOneLineFailure(
        { CLIENTELE_MASTER_KEY: KEY, DATABASE_URL: url.toString() },
        'DATABASE_URL',
      ),
    ).toMatch(/does not exist/);
  }, 90_000);

  it('serves the panel and the bot, then stops cleanly on SIGINT', async () => {
    const port = await freePort();
    const run = start({
      DATA_DIR: dataDir(),
      DATABASE_URL: t.url,
      CLIENTELE_MASTER_KEY: KEY,
      PORT: String(port),
      HOST: '127.0.0.1',
      BOT_TOKEN: fake.token,
      BOT_API_ROOT: fake.apiRoot,
    });
    await waitHealthy(port, run);
    expect((await fetch(`http://127.0.0.1:${port}/admin/login`)).status).toBe(200);
    // The bot connects in the background after the panel listens: ready once it has.
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status, {
        timeout: 15_000,
        interval: 100,
      })
      .toBe(200);
    // The log line and /readyz's answer travel on different pipes: wait for the line itself.
    await waitForOutput(run.child, run.stdout, 'bot started (long polling)', 15_000);
    const ru = fake.user({ language_code: 'ru' });
    ru.send('/start');
    expect((await ru.nextReply({ timeoutMs: 15_000 })).text).toMatch(/^Здравствуйте!/);
    const en = fake.user({ language_code: 'en' });
    en.send('/start');
    expect((await en.nextReply()).text).toMatch(/^Hello!/);
    expect(run.stdout()).toContain('owner@clientele.local');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toBe('');
    expect(run.stdout()).toContain('"msg":"stopped"');
    expect(run.stdout()).not.toMatch(/\n\s+at /);
  }, 90_000);

  it('runs on the embedded database: cold start, clean stop, warm start', async () => {
    const dir = dataDir();
    const env = { DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', ROLES: 'web,jobs' };
    const measure = async () => {
      const port = await freePort();
      const run = start({ ...env, PORT: String(port) });
      const ms = await waitHealthy(port, run, 60_000);
      // Idle means start-up has finished: the jobs are scheduled after the panel answers.
      await waitForOutput(run.child, run.stdout, 'Clientele is running', 30_000);
      const rss = rssMb(run.child.pid ?? 0);
      return { run, ms, rss, port };
    };
    const cold = await measure();
    expect(statSync(path.join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(dir, 'pg', 'cluster', 'PG_VERSION'))).toBe(true);
    expect(cold.run.stdout()).toContain('This password is shown once');
    cold.run.child.kill('SIGINT');
    expect(await cold.run.exited).toBe(0);
    expect(existsSync(path.join(dir, 'pg', 'cluster', 'postmaster.pid'))).toBe(false);

    const warm = await measure();
    expect(warm.run.stdout()).not.toContain('This password is shown once');
    expect((await fetch(`http://127.0.0.1:${warm.port}/admin/login`)).status).toBe(200);
    warm.run.child.kill('SIGTERM');
    expect(await warm.run.exited).toBe(0);
    expect(existsSync(path.join(dir, 'pg', 'cluster', 'postmaster.pid'))).toBe(false);
    console.log(
      `start-up until /healthz (embedded PostgreSQL, tsx): cold ${cold.ms} ms, warm ${warm.ms} ms; RSS at idle ${cold.rss}/${warm.rss} MB`,
    );
  }, 120_000);

  it('manages staff accounts from the command line', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      DATABASE_URL: t.url,
      CLIENTELE_MASTER_KEY: KEY,
    };
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', path.resolve('src/cli/staff.ts'), ...args],
          { env },
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (c) => {
          out += c;
        });
        child.stderr.on('data', (c) => {
          err += c;
        });
        child.on('exit', (code) => resolve({ code, out, err }));
      });
    await t.db
      .insertInto('branches')
      .values({ name: 'Центр', time_zone: 'Europe/Moscow' })
      .execute();
    const created = await cli([
      'create',
      'Manager@Salon.test',
      'manager',
      'Мария',
      '--branch',
      'центр',
    ]);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/one-time password: \S{23}/);
    const reset = await cli(['reset-password', 'manager@salon.test']);
    expect(reset.code).toBe(0);
    expect(reset.out).toMatch(/new one-time password/);
    for (const args of [
      ['create', 'x@y.io', 'emperor'],
      ['create', 'x@y.io', 'manager'],
      ['create', 'x@y.io', 'manager', '--branch', 'Nowhere'],
      ['create', 'not-an-email', 'admin'],
      ['frobnicate'],
      ['reset-password', 'nobody@salon.test'],
    ]) {
      const bad = await cli(args);
      expect(bad.code, args.join(' ')).toBe(1);
      expect(bad.err).toMatch(/^staff: /);
      expect(bad.err).not.toMatch(/\n\s+at /);
    }
  }, 180_000);

  it('recovers from a killed run that left the embedded server running', async () => {
    const dir = dataDir();
    const port = await freePort();
    const first = start({ DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', ROLES: 'web' });
    await waitHealthy(port, first, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(path.join(dir, 'pg', 'cluster', 'postmaster.pid'))).toBe(true);
    const port2 = await freePort();
    const second = start({ DATA_DIR: dir, PORT: String(port2), HOST: '127.0.0.1', ROLES: 'web' });
    await waitHealthy(port2, second, 60_000);
    expect(second.stdout()).toContain('from an earlier run is still running');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 120_000);
});
