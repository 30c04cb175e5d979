import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

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
  METRICS_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, '16 to 256 characters of A-Z, a-z, 0-9, _ and -')
      .optional(),
  ),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: LOG_LEVELS.join(', ') }).default('info'),
  ADMIN_COOKIE_SECURE: z
    .enum(['auto', 'true', 'false'], { message: "'auto', 'true' or 'false'" })
    .default('auto'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  database: { url: string | undefined; embeddedDir: string };
  dataDir: string;
  http: { port: number; host: string; publicUrl: string | undefined; cookieSecure: boolean };
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
  /** GET /metrics answers only with this bearer token; without it, there is no /metrics. */
  metricsToken: string | undefined;
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
      current: decodeKey(readFileSync(file, 'utf8'), `key file ${file}`),
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
    metricsToken: env.METRICS_TOKEN,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return envToConfig(readEnv(env));
}
