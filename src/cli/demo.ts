/**
 * `npm run demo`: the product on its own data folder (./demo-data, never ./data), filled on
 * the first run with a generated salon, then started as `npm start` does. Always the embedded
 * database, a key of its own and no Telegram token (the local sandbox stands in).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { EmbeddedDatabaseError } from '../db/embedded.js';
import { MigrationError } from '../db/migrate.js';
import { holdsData, readDemoMarker, writeDemoMarker } from '../demo/demo-marker.js';
import { type DemoAccount, FULL_SIZE, generateDemoSalon } from '../demo/generate-salon.js';
import { DomainError } from '../domain/errors.js';
import { createLogger } from '../logger.js';
import { openRuntime, StartupError } from '../runtime.js';

/** A file that says a folder is the demo's, so --reset never wipes anything else. */
const SENTINEL = '.clientele-demo';
const DEFAULT_SEED = 13;

class DemoError extends Error {
  override name = 'DemoError';
}

/** Set by Ctrl-C during generation: the database is being closed, errors that follow are ours. */
let stopping = false;

function fail(err: unknown): void {
  if (stopping) return;
  const known =
    err instanceof DemoError ||
    err instanceof ConfigError ||
    err instanceof StartupError ||
    err instanceof EmbeddedDatabaseError ||
    err instanceof MigrationError ||
    err instanceof DomainError;
  process.stderr.write(
    `demo: ${known ? err.message : err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
}

function whole(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new DemoError(`${name} is invalid: expected a whole number from ${min} to ${max}`);
  return value;
}

/** The demo's folder: refused where it is (or holds) the real data, or is not the demo's. */
function demoFolder(): string {
  const dir = path.resolve(process.env.DEMO_DATA_DIR?.trim() || './demo-data');
  const real = [path.resolve('./data'), path.resolve(process.env.DATA_DIR?.trim() || './data')];
  for (const r of real)
    if (dir === r || r.startsWith(`${dir}${path.sep}`))
      throw new DemoError(
        `DEMO_DATA_DIR is invalid: ${dir} is (or holds) the real data folder ${r}; the demo keeps to its own`,
      );
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(path.join(dir, SENTINEL)))
    throw new DemoError(
      `DEMO_DATA_DIR is invalid: ${dir} has files and is not a demo folder (no ${SENTINEL}); choose an empty or new folder`,
    );
  return dir;
}

function wipe(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function box(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = `+${'-'.repeat(width + 2)}+`;
  process.stdout.write(`${[bar, ...lines.map((l) => `| ${l.padEnd(width)} |`), bar].join('\n')}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--reset');
  if (unknown.length > 0)
    throw new DemoError(`unknown argument ${unknown[0]}: usage: npm run demo [-- --reset]`);
  const dir = demoFolder();
  const size = {
    clients: whole('DEMO_CLIENTS', FULL_SIZE.clients, 20, 100_000),
    months: whole('DEMO_MONTHS', FULL_SIZE.months, 1, 60),
  };
  const seed = whole('DEMO_SEED', DEFAULT_SEED, 0, 2 ** 31);
  if (args.includes('--reset')) wipe(dir);

  // The demo never writes into a configured database, with a configured key, or to Telegram.
  const notes: string[] = [];
  for (const name of [
    'DATABASE_URL',
    'CLIENTELE_MASTER_KEY',
    'CLIENTELE_KEY_FILE',
    'CLIENTELE_PREVIOUS_KEYS',
  ]) {
    if (process.env[name])
      notes.push(`${name} is ignored: the demo uses its own database and key in ${dir}`);
    delete process.env[name];
  }
  if (process.env.BOT_TOKEN)
    notes.push('BOT_TOKEN is ignored: the demo runs the local Telegram sandbox');
  delete process.env.BOT_TOKEN;
  process.env.DATA_DIR = dir;
  process.env.PORT ||= '3000';
  for (const n of notes) process.stderr.write(`demo: ${n}\n`);

  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, SENTINEL),
    'This folder holds the generated demo salon; npm run demo -- --reset wipes it.\n',
  );

  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  let runtime = await openRuntime(config, logger);
  let accounts: DemoAccount[] | null = null;
  // Until the product takes over its own signals: stop the embedded database before leaving,
  // so nothing keeps running; an unfinished salon is started afresh on the next run.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.warn(
      { signal },
      'stopping before the demo salon was finished; the next run starts it afresh',
    );
    runtime.close().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (!(await readDemoMarker(runtime.database.db)) && (await holdsData(runtime.database.db))) {
      // A generation cut short: the folder is the demo's own, so start it again from nothing.
      logger.warn({ dir }, 'the last demo generation did not finish: starting afresh');
      await runtime.close();
      wipe(dir);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, SENTINEL), 'This folder holds the generated demo salon.\n');
      runtime = await openRuntime(loadConfig(), logger);
    }
    if (!(await readDemoMarker(runtime.database.db))) {
      const started = Date.now();
      // The product's modules load while the generation waits on the database (as main.ts
      // does, the panel's bundle folder is set before AdminJS is first imported).
      process.env.ADMIN_JS_TMP_DIR ??= path.join(config.dataDir, '.adminjs');
      const loading = import('../app.js');
      loading.catch(() => undefined); // a failure surfaces where it is awaited
      const report = await generateDemoSalon(
        { db: runtime.database.db, crypto: runtime.crypto, services: runtime },
        {
          seed,
          size,
          // The hour, not the millisecond: the same seed in the same hour is the same salon (and
          // coming visits start an hour after it at the earliest, so none is already past).
          now: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000),
          progress: (step) => logger.info({ step }, 'generating the demo salon'),
        },
      );
      await loading;
      await writeDemoMarker(runtime.database.db, {
        seed,
        ...size,
        generatedAt: new Date().toISOString(),
      });
      logger.info({ ms: Date.now() - started, ...report.counts }, 'demo salon generated');
      accounts = report.accounts;
    }
  } finally {
    if (!stopping) await runtime.close();
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (stopping) return;

  // Starts the product exactly as `npm start` does; resolves once it is up.
  await import('../main.js');

  const panel = `http://localhost:${config.http.port}/admin`;
  if (accounts) {
    box([
      'Demo salon ready (generated data, nothing real).',
      `  panel: ${panel}`,
      ...accounts.map((a) => `  ${a.role.padEnd(8)} ${a.email.padEnd(36)} ${a.password}`),
      'These one-time passwords are shown once; the panel asks for a new one at first login.',
    ]);
  } else {
    box([
      'Demo salon (generated data, nothing real).',
      `  panel: ${panel}`,
      '  accounts: owner@, admin@, manager.msk@, manager.ekb@, master@, analyst@demo.clientele.local',
      'Passwords were shown on the first run. To get a new one:',
      `  DATA_DIR=${path.relative(process.cwd(), dir) || '.'} npm run staff -- reset-password <e-mail>`,
      'or start over with a fresh salon: npm run demo -- --reset',
    ]);
  }
}

await main().catch(fail);
