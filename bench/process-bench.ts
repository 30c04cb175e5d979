/**
 * The product as a person starts it (`npm start`): time to a healthy /healthz on the embedded
 * database, cold (a new DATA_DIR: initdb, migrations, the owner) and warm (the same DATA_DIR
 * again), and the resident memory of Clientele's own processes at idle.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCrypto } from '../src/crypto/crypto.js';
import { createServices } from '../src/runtime.js';
import { freePort } from '../tests/helpers/child-run.js';
import { startFakeBotApi } from '../tests/helpers/fake-bot-api.js';
import { silentLogger } from '../tests/helpers/fixtures.js';
import { createTestDatabase } from '../tests/helpers/test-db.js';
import { bookingWalk, seedWalk, type WalkResult } from './walk-bench.js';

const KEY_BYTES = new Uint8Array(32).fill(7);
const KEY = Buffer.from(KEY_BYTES).toString('base64');

/** A started product: its process, how long /healthz took, and how to stop it. */
export interface Started {
  child: ChildProcess;
  port: number;
  healthyMs: number;
  output(): string;
  stop(): Promise<void>;
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * Resident memory (MiB) of the processes under `pid` (npm, the shell, a loader's wrapper and
 * Clientele itself), not the embedded PostgreSQL's; `clienteleOnly`: the process running
 * main alone.
 */
export function nodeRssMb(pid: number, options: { clienteleOnly?: boolean } = {}): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? '';
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      // Clientele's own process: scripts/start.mjs, or main.ts under tsx (not tsx's wrapper).
      const counted = options.clienteleOnly
        ? /start\.mjs|main\.(js|ts)/.test(cmd) && !/\/tsx\0/.test(cmd)
        : true;
      if (!name.startsWith('postgres') && counted)
        kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      return; // gone
    }
    for (const c of childrenOf(p)) visit(c);
  };
  visit(pid);
  return kb / 1024;
}

/** A new data directory the embedded server (run as `postgres` when we are root) can use. */
export function newDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clientele-bench-'));
  chmodSync(dir, 0o755);
  return path.join(dir, 'data');
}

export function removeDataDir(dataDir: string): void {
  try {
    rmSync(path.dirname(dataDir), {
      recursive: true,
      force: true,
      maxRetries: 10,
      retryDelay: 500,
    });
  } catch (err) {
    // The embedded server may still be writing as it stops; a leftover temp folder is no result.
    console.warn(`bench: could not remove ${dataDir}: ${(err as Error).message}`);
  }
}

/** Runs `npm start` in the checkout with `env`, and waits for /healthz. */
export async function startProduct(
  env: Record<string, string>,
  timeoutMs = 300_000,
  command: string[] = ['npm', 'start', '--silent'],
): Promise<Started> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command[0] ?? 'npm', command.slice(1), {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
      CLIENTELE_MASTER_KEY: KEY,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (c) => {
    out += c;
  });
  child.stderr?.on('data', (c) => {
    out += c;
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
    await exited;
  };
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
    if (performance.now() - started > timeoutMs) {
      await stop();
      throw new Error(`not healthy within ${timeoutMs} ms:\n${out}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    port,
    healthyMs: performance.now() - started,
    output: () => out,
    stop,
  };
}

/** The former `npm start`: the TypeScript sources through tsx, for a before/after in one run. */
const THROUGH_TSX = ['node', 'node_modules/tsx/dist/cli.mjs', 'src/main.ts'];

/**
 * Cold and warm start-up to healthy, `runs` each, with the idle RSS of each warm start; and, in
 * turn with them, a warm start of the sources through tsx (what `npm start` ran before).
 */
export async function startupBench(runs: number): Promise<{
  coldMs: number[];
  warmMs: number[];
  idleRssMb: number[];
  withNpmRssMb: number[];
  tsxWarmMs: number[];
  tsxIdleRssMb: number[];
}> {
  const out = {
    coldMs: [] as number[],
    warmMs: [] as number[],
    idleRssMb: [] as number[],
    withNpmRssMb: [] as number[],
    tsxWarmMs: [] as number[],
    tsxIdleRssMb: [] as number[],
  };
  const idle = () => new Promise((r) => setTimeout(r, 5_000));
  for (let i = 0; i < runs; i++) {
    const dataDir = newDataDir();
    try {
      const cold = await startProduct({ DATA_DIR: dataDir });
      out.coldMs.push(cold.healthyMs);
      await cold.stop();
      const warm = await startProduct({ DATA_DIR: dataDir });
      out.warmMs.push(warm.healthyMs);
      // Idle: start-up's garbage had a moment to go, nothing is asked of it.
      await idle();
      if (warm.child.pid) {
        out.idleRssMb.push(nodeRssMb(warm.child.pid, { clienteleOnly: true }));
        out.withNpmRssMb.push(nodeRssMb(warm.child.pid));
      }
      await warm.stop();
      const tsx = await startProduct({ DATA_DIR: dataDir }, undefined, THROUGH_TSX);
      out.tsxWarmMs.push(tsx.healthyMs);
      await idle();
      if (tsx.child.pid) out.tsxIdleRssMb.push(nodeRssMb(tsx.child.pid, { clienteleOnly: true }));
      await tsx.stop();
    } finally {
      removeDataDir(dataDir);
    }
  }
  return out;
}

/**
 * The product started with `npm start` on a database of the bench's, its bot polling the fake
 * Bot API: RSS at idle, then the booking walk by `clients` through it, then RSS again.
 */
export async function productWalk(clients: number): Promise<{
  idleRssMb: number;
  afterWalkRssMb: number;
  walk: WalkResult;
}> {
  const fake = await startFakeBotApi();
  const t = await createTestDatabase('bench_product');
  let product: Started | undefined;
  const dataDir = newDataDir();
  try {
    const crypto = await createCrypto({ masterKey: KEY_BYTES });
    const services = createServices({ db: t.db, crypto, logger: silentLogger });
    const users = Array.from({ length: clients }, () => fake.user({ language_code: 'ru' }));
    await seedWalk(services, t.db, users);
    product = await startProduct({
      DATA_DIR: dataDir,
      DATABASE_URL: t.url,
      BOT_TOKEN: fake.token,
      BOT_API_ROOT: fake.apiRoot,
    });
    const pid = product.child.pid ?? 0;
    await new Promise((r) => setTimeout(r, 5_000));
    const idleRssMb = nodeRssMb(pid, { clienteleOnly: true });
    const walk = await bookingWalk(users, t.db, new Date());
    const afterWalkRssMb = nodeRssMb(pid, { clienteleOnly: true });
    return { idleRssMb, afterWalkRssMb, walk };
  } finally {
    await product?.stop();
    await fake.close();
    await t.drop();
    removeDataDir(dataDir);
  }
}
