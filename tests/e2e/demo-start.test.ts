import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Run, runScript } from '../helpers/child-run.js';

/** The panel's API answers only its own pages' scripts (issue #17, finding 1). */
const PANEL_SCRIPT = { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' };

const DEMO = 'src/cli/demo.ts';
// A small salon: the full one (5,000 clients, two years) is measured by hand (README).
const SMALL = { DEMO_CLIENTS: '120', DEMO_MONTHS: '2', LOG_LEVEL: 'info' };

/** Resolves once the child has printed `text`, or fails when it exits or the time is up. */
function printed(run: Run, text: RegExp, timeoutMs = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const out = run.stdout();
      if (text.test(out)) {
        done();
        resolve(out);
      }
    };
    const exited = () => {
      done();
      reject(
        new Error(`exited before printing ${text}: ${run.stderr()}${run.stdout().slice(-2000)}`),
      );
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`did not print ${text} in time: ${run.stderr()}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      run.child.stdout?.off('data', check);
      run.child.off('exit', exited);
    };
    run.child.stdout?.on('data', check);
    run.child.once('exit', exited);
    check();
  });
}

async function stop(run: Run): Promise<number | null> {
  run.child.kill('SIGTERM');
  return run.exited;
}

function passwordOf(out: string, role: string): string {
  return new RegExp(`\\|\\s+${role}\\s+\\S+@\\S+\\s+(\\S+)\\s+\\|`).exec(out)?.[1] ?? '';
}

async function login(url: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
    body: new URLSearchParams({ email, password }).toString(),
  });
  const cookie = response.headers.get('set-cookie') ?? '';
  expect(response.status, `login as ${email}`).toBe(302);
  expect(cookie).toContain('clientele_session=');
  return cookie.split(';')[0] ?? '';
}

describe('npm run demo', () => {
  let root: string;
  let dir: string;
  let port: number;
  let url: string;
  const newPassword = 'demo-owner-password-2026!';
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'clientele-demo-'));
    chmodSync(root, 0o755); // the embedded server runs as `postgres` when we are root
    dir = path.join(root, 'demo-data');
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
  });
  // Every run above stopped its embedded server, so the folders can go.
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('generates the salon on the first start, prints the accounts, and the owner sees clients', async () => {
    const started = Date.now();
    const run = runScript(DEMO, {
      ...SMALL,
      DEMO_DATA_DIR: dir,
      PORT: String(port),
      // Whatever a developer has set, the demo keeps to its own database, key and sandbox.
      DATABASE_URL: 'postgres://someone:secret@127.0.0.1:1/production',
      BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    });
    try {
      const out = await printed(run, /shown once/);
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(`demo first start (small salon): ${seconds.toFixed(1)} s\n`);
      expect((await fetch(`${url}/healthz`)).ok).toBe(true);
      expect(run.stderr()).toMatch(/DATABASE_URL is ignored/);
      expect(run.stderr()).toMatch(/BOT_TOKEN is ignored/);
      expect(existsSync(path.join(dir, 'pg'))).toBe(true);
      const accounts = [
        ...out.matchAll(/\|\s+(owner|admin|manager|master|analyst)\s+(\S+@\S+)\s+(\S+)\s+\|/g),
      ];
      expect(new Set(accounts.map((a) => a[1]))).toEqual(
        new Set(['owner', 'admin', 'manager', 'master', 'analyst']),
      );
      expect(out).toContain(`http://localhost:${port}/admin`);
      const owner = accounts.find((a) => a[1] === 'owner');
      const email = owner?.[2] ?? '';
      const password = owner?.[3] ?? '';
      // The one-time password logs in, must be replaced, then the panel lists the clients.
      const cookie = await login(url, email, password);
      const blocked = await fetch(`${url}/admin/api/resources/Client/actions/list`, {
        headers: { cookie, ...PANEL_SCRIPT },
      });
      expect(blocked.status).toBe(403);
      const changed = await fetch(`${url}/admin/password`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          current: password,
          next: newPassword,
          repeat: newPassword,
        }).toString(),
      });
      expect(changed.status).toBe(302);
      const fresh = await login(url, email, newPassword);
      const list = await fetch(`${url}/admin/api/resources/Client/actions/list?perPage=10`, {
        headers: { cookie: fresh, ...PANEL_SCRIPT },
      });
      expect(list.status).toBe(200);
      const body = (await list.json()) as { records: unknown[]; meta: { total: number } };
      expect(body.meta.total).toBe(120);
      expect(body.records).toHaveLength(10);
      const visits = await fetch(`${url}/admin/api/resources/Visit/actions/list`, {
        headers: { cookie: fresh, ...PANEL_SCRIPT },
      });
      expect(((await visits.json()) as { meta: { total: number } }).meta.total).toBeGreaterThan(
        500,
      );
    } finally {
      expect(await stop(run)).toBe(0);
    }
  }, 240_000);

  it('reuses the salon on the next start and prints no passwords', async () => {
    const run = runScript(DEMO, { ...SMALL, DEMO_DATA_DIR: dir, PORT: String(port) });
    try {
      const out = await printed(run, /npm run demo -- --reset/);
      expect(out).toContain('reset-password');
      expect(out).not.toMatch(/[A-Za-z0-9]{5}-[A-Za-z0-9]{5}-[A-Za-z0-9]{5}/);
      expect(out).not.toMatch(/generating the demo salon/);
      // The password changed on the first run still holds: the same database.
      const cookie = await login(url, 'owner@demo.clientele.local', newPassword);
      const list = await fetch(`${url}/admin/api/resources/Client/actions/list`, {
        headers: { cookie, ...PANEL_SCRIPT },
      });
      expect(((await list.json()) as { meta: { total: number } }).meta.total).toBe(120);
    } finally {
      expect(await stop(run)).toBe(0);
    }
  }, 180_000);

  it('stops cleanly when interrupted while generating, and starts afresh next time', async () => {
    const cut = path.join(root, 'interrupted');
    const first = runScript(DEMO, {
      ...SMALL,
      DEMO_CLIENTS: '3000',
      DEMO_DATA_DIR: cut,
      PORT: String(port),
    });
    await printed(first, /"step":"3000 clients"/);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    expect(first.stdout()).toMatch(/next run starts it afresh/);
    // The embedded database stopped with it: no server holds the folder.
    expect(existsSync(path.join(cut, 'pg', 'cluster', 'postmaster.pid'))).toBe(false);
    const second = runScript(DEMO, { ...SMALL, DEMO_DATA_DIR: cut, PORT: String(port) });
    try {
      const out = await printed(second, /shown once/);
      expect(out).toMatch(/did not finish: starting afresh/);
      const cookie = await login(url, 'owner@demo.clientele.local', passwordOf(out, 'owner'));
      expect(
        (
          await fetch(`${url}/admin/api/resources/Client/actions/list`, {
            headers: { cookie, ...PANEL_SCRIPT },
          })
        ).status,
      ).toBe(403);
    } finally {
      expect(await stop(second)).toBe(0);
    }
  }, 300_000);

  it('refuses the real data folder, a folder that is not the demo, and bad sizes', async () => {
    const other = path.join(root, 'not-demo');
    mkdirSync(other);
    writeFileSync(path.join(other, 'keep.txt'), 'precious');
    const cases: [Record<string, string>, RegExp][] = [
      [{ DEMO_DATA_DIR: other }, /not a demo folder/],
      [
        { DEMO_DATA_DIR: path.join(root, 'data'), DATA_DIR: path.join(root, 'data') },
        /real data folder/,
      ],
      [{ DEMO_DATA_DIR: root, DATA_DIR: path.join(root, 'data') }, /real data folder/],
      [{ DEMO_DATA_DIR: path.join(root, 'x'), DEMO_CLIENTS: 'many' }, /DEMO_CLIENTS is invalid/],
      [{ DEMO_DATA_DIR: path.join(root, 'x'), DEMO_MONTHS: '0' }, /DEMO_MONTHS is invalid/],
    ];
    for (const [env, message] of cases) {
      const run = runScript(DEMO, env);
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toMatch(message);
      expect(run.stderr().trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(path.join(other, 'keep.txt'))).toBe(true);
    // --reset also refuses a folder that is not the demo's, and wipes nothing.
    for (const args of [['--reset'], ['--wipe-everything']]) {
      const reset = spawnSync(process.execPath, ['--import', 'tsx', DEMO, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/root',
          DEMO_DATA_DIR: other,
        },
        encoding: 'utf8',
      });
      expect(reset.status).toBe(1);
      expect(reset.stderr).toMatch(
        args[0] === '--reset' ? /not a demo folder/ : /unknown argument/,
      );
    }
    expect(existsSync(path.join(other, 'keep.txt'))).toBe(true);
  }, 60_000);
});
