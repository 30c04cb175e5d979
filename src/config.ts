import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_STAFF_POLICY, type StaffPolicy } from './domain/staff/staff-policy.js';

/** A setting that is missing or malformed; the message names the variable and what it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ROLE_NAMES = ['bot', 'web', 'jobs'] as const;
export type ProcessRole = (typeof ROLE_NAMES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Named ranges Fastify's proxy-addr understands. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.includes(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

const TRUST_PROXY_EXPECTED =
  'the addresses or CIDRs of the proxies in front of Clientele, comma separated (10.0.0.5, 10.0.0.0/8, loopback)';

/**
 * Which X-Forwarded-For entries to believe: none (the default), or those added by proxies at
 * these addresses. A hop count is refused: it cannot tell the proxy from a client that reaches
 * Clientele directly (Fastify 5.12 itself no longer honours one), and `true` believes anyone.
 */
const trustProxySchema = z
  .string()
  .trim()
  .default('')
  .transform((raw, ctx): string[] | false => {
    const value = raw.toLowerCase();
    if (value === '' || value === 'false' || value === 'none') return false;
    const entries = value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    if (entries.length > 0 && entries.length <= 100 && entries.every(isProxyAddress))
      return entries;
    const why = /^\d+$/.test(value)
      ? ' (a hop count cannot tell the proxy from a client reaching Clientele directly)'
      : value === 'true'
        ? " ('true' would believe any client's X-Forwarded-For)"
        : '';
    ctx.addIssue({ code: 'custom', message: `${TRUST_PROXY_EXPECTED}${why}` });
    return z.NEVER;
  });

/**
 * A whole number from `min` to `max`, `fallback` when unset or empty; `tooLow` says why values
 * under `min` are refused when that is not obvious.
 */
function wholeSetting(what: string, min: number, max: number, fallback: number, tooLow?: string) {
  const expected = `${what}, ${min} to ${max}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ message: expected })
      .int(expected)
      .min(min, tooLow ?? expected)
      .max(max, expected)
      .default(fallback),
  );
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** The environment as read: every variable Clientele understands, validated one by one. */
const envSchema = z.object({
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  PORT: z.coerce
    .number({ message: 'a TCP port number' })
    .int('a whole TCP port number')
    .min(1, 'a TCP port from 1 to 65535')
    .max(65535, 'a TCP port from 1 to 65535')
    .default(3000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PUBLIC_URL: optionalString.pipe(z.url({ message: 'an http(s) URL' }).optional()),
  TRUST_PROXY: trustProxySchema,
  BOT_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'a Bot API token such as 123456:ABC-DEF… from @BotFather')
      .optional(),
  ),
  BOT_API_ROOT: z.url({ message: 'an http(s) URL' }).default('https://api.telegram.org'),
  BOT_MODE: z
    .enum(['polling', 'webhook'], { message: "'polling' or 'webhook'" })
    .default('polling'),
  WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, '16 to 256 characters of A-Z, a-z, 0-9, _ and -')
      .optional(),
  ),
  CLIENTELE_MASTER_KEY: optionalString,
  CLIENTELE_KEY_FILE: optionalString,
  CLIENTELE_PREVIOUS_KEYS: optionalString,
  EXPECTED_CLIENTS: z.coerce
    .number({ message: 'a whole number of clients' })
    .int('a whole number of clients')
    .min(100, 'at least 100')
    .max(100_000_000, 'at most 100000000')
    .default(10_000),
  ROLES: z.string().trim().default('bot,web,jobs'),
  TZ_DEFAULT: z
    .string()
    .trim()
    .default('Europe/Moscow')
    .refine(isTimeZone, 'an IANA time zone such as Europe/Moscow'),
  OUTBOX_RATE: z.coerce
    .number({ message: 'messages per second, 1 to 30' })
    .min(1, 'messages per second, 1 to 30')
    .max(30, 'messages per second, 1 to 30 (Telegram allows about 30)')
    .default(25),
  BOT_API_TIMEOUT: z.coerce
    .number({ message: 'seconds, 5 to 300' })
    .int('whole seconds, 5 to 300')
    .min(5, 'seconds, 5 to 300')
    .max(300, 'seconds, 5 to 300')
    .default(60),
  METRICS_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, '16 to 256 characters of A-Z, a-z, 0-9, _ and -')
      .optional(),
  ),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: LOG_LEVELS.join(', ') }).default('info'),
  BACKUP_HOUR: z.coerce
    .number({ message: "an hour of the salon's day, 0 to 23" })
    .int("a whole hour of the salon's day, 0 to 23")
    .min(0, "an hour of the salon's day, 0 to 23")
    .max(23, "an hour of the salon's day, 0 to 23")
    .default(3),
  BACKUP_KEEP: z.coerce
    .number({ message: 'how many scheduled backups to keep, 1 to 1000' })
    .int('a whole number of backups, 1 to 1000')
    .min(1, 'how many scheduled backups to keep, 1 to 1000')
    .max(1000, 'how many scheduled backups to keep, 1 to 1000')
    .default(7),
  BACKUP_DIR: optionalString,
  PASSWORD_MIN_SCORE: wholeSetting(
    'the zxcvbn score a new staff password must reach',
    3,
    4,
    DEFAULT_STAFF_POLICY.passwordMinScore,
    '3 or 4: a lower score would accept guessable passwords (a score of 2 falls within 10^8 guesses)',
  ),
  PASSWORD_MIN_LENGTH: wholeSetting(
    'the fewest characters of a staff password',
    12,
    64,
    DEFAULT_STAFF_POLICY.passwordMinLength,
  ),
  LOGIN_FREE_FAILURES: wholeSetting(
    'failures of one address at one account before it must wait',
    3,
    20,
    DEFAULT_STAFF_POLICY.freeFailures,
  ),
  LOGIN_MAX_DELAY_MINUTES: wholeSetting(
    'the longest wait of one address, in minutes',
    1,
    1440,
    DEFAULT_STAFF_POLICY.maxDelaySeconds / 60,
  ),
  LOGIN_ACCOUNT_CEILING: wholeSetting(
    'failures at one account per hour, all addresses, before unfamiliar ones share one pace',
    10,
    1000,
    DEFAULT_STAFF_POLICY.accountCeiling,
  ),
  ADMIN_COOKIE_SECURE: z
    .enum(['auto', 'true', 'false'], { message: "'auto', 'true' or 'false'" })
    .default('auto'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  database: { url: string | undefined; embeddedDir: string };
  dataDir: string;
  http: {
    port: number;
    host: string;
    publicUrl: string | undefined;
    cookieSecure: boolean;
    /** Proxies whose X-Forwarded-For gives the client's address (TRUST_PROXY); absent: none. */
    trustProxy?: false | string[];
  };
  bot:
    | { enabled: false }
    | {
        enabled: true;
        token: string;
        apiRoot: string;
        mode: 'polling' | 'webhook';
        webhookSecret: string | undefined;
      };
  keys: { current: Uint8Array; previous: Uint8Array[]; generatedFile: string | undefined };
  expectedClients: number;
  roles: ReadonlySet<ProcessRole>;
  defaultTimeZone: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Messages per second the outbox dispatcher sends at most. */
  outboxRate: number;
  /**
   * The longest one Bot API call may take, in seconds (BOT_API_TIMEOUT): a Telegram that does
   * not answer is noticed after this long. Long polls last at most half of it.
   */
  botApiTimeoutSeconds: number;
  /** GET /metrics answers only with this bearer token; without it, there is no /metrics. */
  metricsToken: string | undefined;
  /** Archives go to `dir`; the scheduled one runs at the salon's local `hour`, keeping `keep`. */
  backup: { dir: string; hour: number; keep: number };
  /**
   * Without BOT_TOKEN the bot talks to a local Bot API in this process and /sandbox is its web
   * chat (src/sandbox); with a real token neither exists.
   */
  sandbox: { enabled: boolean };
  /**
   * The staff password rule and login lock-out policy (PASSWORD_MIN_SCORE, PASSWORD_MIN_LENGTH,
   * LOGIN_FREE_FAILURES, LOGIN_MAX_DELAY_MINUTES, LOGIN_ACCOUNT_CEILING).
   */
  login: StaffPolicy;
}

/** Step one: validate the raw environment. Throws ConfigError with one line naming the variable. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`${name} is invalid: expected ${issue?.message ?? 'a valid value'}`);
  }
  return parsed.data;
}

export function decodeKey(raw: string, source: string): Uint8Array {
  const text = raw.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new ConfigError(
      `${source} is malformed: expected 32 bytes in base64 (openssl rand -base64 32)`,
    );
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== 32) {
    throw new ConfigError(
      `${source} is malformed: expected 32 bytes in base64, got ${bytes.length} bytes (openssl rand -base64 32)`,
    );
  }
  return new Uint8Array(bytes);
}

function parseRoles(raw: string): Set<ProcessRole> {
  const roles = new Set<ProcessRole>();
  for (const part of raw
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)) {
    if (!(ROLE_NAMES as readonly string[]).includes(part)) {
      throw new ConfigError(
        `ROLES is invalid: unknown role '${part.slice(0, 20)}', expected any of bot,web,jobs`,
      );
    }
    roles.add(part as ProcessRole);
  }
  if (roles.size === 0) throw new ConfigError('ROLES is invalid: expected any of bot,web,jobs');
  return roles;
}

/**
 * Where the master key comes from, in order: CLIENTELE_MASTER_KEY, CLIENTELE_KEY_FILE, and — only
 * with the embedded database, where the data never leaves this machine — a key file generated in
 * DATA_DIR on first start.
 */
function loadKeys(env: Env, dataDir: string): Config['keys'] {
  const previous = (env.CLIENTELE_PREVIOUS_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k, i) => decodeKey(k, `CLIENTELE_PREVIOUS_KEYS (key ${i + 1})`));
  if (env.CLIENTELE_MASTER_KEY) {
    return {
      current: decodeKey(env.CLIENTELE_MASTER_KEY, 'CLIENTELE_MASTER_KEY'),
      previous,
      generatedFile: undefined,
    };
  }
  if (env.CLIENTELE_KEY_FILE) {
    let text: string;
    try {
      text = readFileSync(env.CLIENTELE_KEY_FILE, 'utf8');
    } catch {
      throw new ConfigError(`CLIENTELE_KEY_FILE is invalid: cannot read ${env.CLIENTELE_KEY_FILE}`);
    }
    return {
      current: decodeKey(text, `CLIENTELE_KEY_FILE (${env.CLIENTELE_KEY_FILE})`),
      previous,
      generatedFile: undefined,
    };
  }
  if (env.DATABASE_URL) {
    throw new ConfigError(
      'CLIENTELE_MASTER_KEY is missing: with DATABASE_URL set, give CLIENTELE_MASTER_KEY or CLIENTELE_KEY_FILE (32 bytes, base64)',
    );
  }
  const file = path.join(dataDir, 'master.key');
  if (existsSync(file)) {
    return {
      current: decodeKey(readKeyFile(file), `key file ${file}`),
      previous,
      generatedFile: undefined,
    };
  }
  let generatedFile: string | undefined = file;
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    // Another process starting at the same moment made it first: use that one.
    if (code !== 'EEXIST') {
      throw new ConfigError(`DATA_DIR is invalid: cannot write the key file ${file} (${code})`);
    }
    generatedFile = undefined;
  }
  return {
    current: decodeKey(readFileSync(file, 'utf8'), `key file ${file}`),
    previous,
    generatedFile,
  };
}

/** The generated key file is its creator's alone (0600): name the file when another user starts. */
function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(
      `DATA_DIR is invalid: cannot read the key file ${file} (${code}): start Clientele as the user who created it (root, if it first ran as root)`,
    );
  }
}

/** Step two: turn validated variables into the config the program uses. */
export function envToConfig(env: Env): Config {
  const dataDir = path.resolve(env.DATA_DIR);
  if (env.BOT_MODE === 'webhook' && env.BOT_TOKEN && !env.WEBHOOK_SECRET) {
    throw new ConfigError(
      'WEBHOOK_SECRET is missing: BOT_MODE=webhook needs a secret of 16+ characters',
    );
  }
  if (env.BOT_MODE === 'webhook' && env.BOT_TOKEN && !env.PUBLIC_URL) {
    throw new ConfigError(
      'PUBLIC_URL is missing: BOT_MODE=webhook needs the https URL Telegram calls',
    );
  }
  const roles = parseRoles(env.ROLES);
  return {
    database: { url: env.DATABASE_URL, embeddedDir: path.join(dataDir, 'pg') },
    dataDir,
    http: {
      port: env.PORT,
      host: env.HOST,
      publicUrl: env.PUBLIC_URL,
      cookieSecure:
        env.ADMIN_COOKIE_SECURE === 'auto'
          ? (env.PUBLIC_URL?.startsWith('https://') ?? false)
          : env.ADMIN_COOKIE_SECURE === 'true',
      trustProxy: env.TRUST_PROXY,
    },
    bot: env.BOT_TOKEN
      ? {
          enabled: true,
          token: env.BOT_TOKEN,
          apiRoot: env.BOT_API_ROOT.replace(/\/+$/, ''),
          mode: env.BOT_MODE,
          webhookSecret: env.WEBHOOK_SECRET,
        }
      : { enabled: false },
    keys: loadKeys(env, dataDir),
    expectedClients: env.EXPECTED_CLIENTS,
    roles,
    defaultTimeZone: env.TZ_DEFAULT,
    logLevel: env.LOG_LEVEL,
    outboxRate: env.OUTBOX_RATE,
    botApiTimeoutSeconds: env.BOT_API_TIMEOUT,
    metricsToken: env.METRICS_TOKEN,
    backup: {
      dir: path.resolve(env.BACKUP_DIR ?? path.join(dataDir, 'backups')),
      hour: env.BACKUP_HOUR,
      keep: env.BACKUP_KEEP,
    },
    sandbox: { enabled: !env.BOT_TOKEN },
    login: {
      passwordMinScore: env.PASSWORD_MIN_SCORE,
      passwordMinLength: env.PASSWORD_MIN_LENGTH,
      freeFailures: env.LOGIN_FREE_FAILURES,
      maxDelaySeconds: env.LOGIN_MAX_DELAY_MINUTES * 60,
      accountCeiling: env.LOGIN_ACCOUNT_CEILING,
    },
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return envToConfig(readEnv(env));
}
