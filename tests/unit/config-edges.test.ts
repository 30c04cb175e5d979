import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envToConfig, loadConfig, readEnv } from '../../src/config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const OTHER = Buffer.alloc(32, 9).toString('base64');
const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'clientele-config-'));
}

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ DATA_DIR: tempDir(), ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain('\n');
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config: the two steps', () => {
  it('readEnv validates and fills defaults; envToConfig builds the config', () => {
    const dir = tempDir();
    const env = readEnv({ DATA_DIR: dir, CLIENTELE_MASTER_KEY: KEY });
    expect(env).toMatchObject({
      DATA_DIR: dir,
      PORT: 3000,
      HOST: '0.0.0.0',
      BOT_MODE: 'polling',
      ROLES: 'bot,web,jobs',
      TZ_DEFAULT: 'Europe/Moscow',
      LOG_LEVEL: 'info',
      EXPECTED_CLIENTS: 10_000,
      OUTBOX_RATE: 25,
      BOT_API_TIMEOUT: 60,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.METRICS_TOKEN).toBeUndefined();
    expect(env.BOT_TOKEN).toBeUndefined();
    const config = envToConfig(env);
    expect(config.dataDir).toBe(path.resolve(dir));
    expect(config.database).toEqual({ url: undefined, embeddedDir: path.join(dir, 'pg') });
    expect(config.keys.current).toEqual(new Uint8Array(Buffer.from(KEY, 'base64')));
    expect(config.keys.previous).toEqual([]);
    expect(config.expectedClients).toBe(10_000);
    expect(config.http.cookieSecure).toBe(false);
  });

  it('readEnv alone does not touch the disk or need a key', () => {
    const dir = path.join(tempDir(), 'not-created');
    expect(() => readEnv({ DATA_DIR: dir })).not.toThrow();
    expect(() => statSync(dir)).toThrow();
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({
      DATA_DIR: tempDir(),
      CLIENTELE_MASTER_KEY: KEY,
      BOT_TOKEN: '',
      DATABASE_URL: '  ',
      WEBHOOK_SECRET: '',
      CLIENTELE_PREVIOUS_KEYS: '',
    });
    expect(config.bot.enabled).toBe(false);
    expect(config.database.url).toBeUndefined();
    expect(config.keys.previous).toEqual([]);
  });

  it('accepts a key with surrounding whitespace and previous keys, comma separated', () => {
    const config = loadConfig({
      DATA_DIR: tempDir(),
      CLIENTELE_MASTER_KEY: `  ${KEY}\n`,
      CLIENTELE_PREVIOUS_KEYS: ` ${OTHER} , ${KEY},`,
    });
    expect(Buffer.from(config.keys.current).toString('base64')).toBe(KEY);
    expect(config.keys.previous.map((k) => Buffer.from(k).toString('base64'))).toEqual([
      OTHER,
      KEY,
    ]);
  });
});

describe('config: refusals name the variable in one line and never echo a secret', () => {
  const malformed = {
    'not base64': 'this is not base64!',
    'url-safe alphabet': Buffer.alloc(32, 0xfb).toString('base64url'),
    '31 bytes': Buffer.alloc(31, 3).toString('base64'),
    '33 bytes': Buffer.alloc(33, 3).toString('base64'),
    'hex instead of base64': Buffer.alloc(32, 5).toString('hex'),
    empty: '====',
  };

  it.each(Object.entries(malformed))('CLIENTELE_MASTER_KEY: %s', (_, key) => {
    const err = configError({ CLIENTELE_MASTER_KEY: key });
    expect(err.message).toMatch(/^CLIENTELE_MASTER_KEY /);
    expect(err.message).not.toContain(key);
  });

  it.each(Object.entries(malformed))('CLIENTELE_PREVIOUS_KEYS: %s', (_, key) => {
    const err = configError({
      CLIENTELE_MASTER_KEY: KEY,
      CLIENTELE_PREVIOUS_KEYS: `${OTHER},${key}`,
    });
    expect(err.message).toMatch(/^CLIENTELE_PREVIOUS_KEYS \(key 2\) /);
    expect(err.message).not.toContain(key);
    expect(err.message).not.toContain(OTHER);
  });

  it('a key file with bad content names CLIENTELE_KEY_FILE', () => {
    const file = path.join(tempDir(), 'master.key');
    writeFileSync(file, 'c2hvcnQ=\n');
    const err = configError({ CLIENTELE_KEY_FILE: file });
    expect(err.message).toMatch(/^CLIENTELE_KEY_FILE /);
    expect(err.message).toMatch(/got 5 bytes/);
    expect(err.message).not.toContain('c2hvcnQ');
  });

  it('CLIENTELE_MASTER_KEY wins over CLIENTELE_KEY_FILE', () => {
    const file = path.join(tempDir(), 'k');
    writeFileSync(file, OTHER);
    const config = loadConfig({
      DATA_DIR: tempDir(),
      CLIENTELE_MASTER_KEY: KEY,
      CLIENTELE_KEY_FILE: file,
    });
    expect(Buffer.from(config.keys.current).toString('base64')).toBe(KEY);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://u@h/db' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://user:pa ss@h/db' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'localhost:5432' }, 'DATABASE_URL'],
    [{ ROLES: 'web,jobs,root' }, 'ROLES'],
    [{ ROLES: 'WEB' }, 'ROLES'],
    [{ ROLES: ' , ' }, 'ROLES'],
    [{ PORT: '0' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ PORT: '3000.5' }, 'PORT'],
    [{ PORT: '65536' }, 'PORT'],
    [{ PORT: '3000abc' }, 'PORT'],
    [{ TZ_DEFAULT: 'Moscow' }, 'TZ_DEFAULT'],
    [{ TZ_DEFAULT: 'Europe/Moskva' }, 'TZ_DEFAULT'],
    [{ EXPECTED_CLIENTS: '10' }, 'EXPECTED_CLIENTS'],
    [{ EXPECTED_CLIENTS: 'many' }, 'EXPECTED_CLIENTS'],
    [{ BOT_MODE: 'push' }, 'BOT_MODE'],
    [{ BOT_TOKEN: TOKEN, BOT_MODE: 'webhook', PUBLIC_URL: 'https://x.example' }, 'WEBHOOK_SECRET'],
    [{ BOT_TOKEN: TOKEN, BOT_MODE: 'webhook', WEBHOOK_SECRET: 'short' }, 'WEBHOOK_SECRET'],
    [{ BOT_TOKEN: TOKEN, BOT_MODE: 'webhook', WEBHOOK_SECRET: 'a'.repeat(32) }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ ADMIN_COOKIE_SECURE: 'yes' }, 'ADMIN_COOKIE_SECURE'],
    [{ OUTBOX_RATE: '0' }, 'OUTBOX_RATE'],
    [{ OUTBOX_RATE: '31' }, 'OUTBOX_RATE'],
    [{ OUTBOX_RATE: 'fast' }, 'OUTBOX_RATE'],
    [{ BOT_API_TIMEOUT: '4' }, 'BOT_API_TIMEOUT'],
    [{ BOT_API_TIMEOUT: '301' }, 'BOT_API_TIMEOUT'],
    [{ BOT_API_TIMEOUT: '1.5' }, 'BOT_API_TIMEOUT'],
    [{ BOT_API_TIMEOUT: 'never' }, 'BOT_API_TIMEOUT'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ METRICS_TOKEN: `${'a'.repeat(20)} <script>` }, 'METRICS_TOKEN'],
  ])('%j → %s', (env, variable) => {
    const err = configError({ CLIENTELE_MASTER_KEY: KEY, ...env });
    expect(err.message.startsWith(`${variable} `)).toBe(true);
  });

  it('a bad DATABASE_URL is not echoed (it may hold a password)', () => {
    const err = configError({ DATABASE_URL: 'mysql://admin:hunter2@db/clients' });
    expect(err.message).not.toContain('hunter2');
  });
});

describe('config: the generated key file (embedded database only)', () => {
  it('is created with mode 0600 in a DATA_DIR that does not exist yet, then reused', () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const first = loadConfig({ DATA_DIR: dir });
    const file = path.join(dir, 'master.key');
    expect(first.keys.generatedFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(first.keys.current).toHaveLength(32);
    const second = loadConfig({ DATA_DIR: dir });
    expect(second.keys.generatedFile).toBeUndefined();
    expect(second.keys.current).toEqual(first.keys.current);
    // Another DATA_DIR gets another key.
    expect(loadConfig({ DATA_DIR: tempDir() }).keys.current).not.toEqual(first.keys.current);
  });

  it('a damaged key file stops start-up and is not replaced', () => {
    const dir = tempDir();
    const file = path.join(dir, 'master.key');
    writeFileSync(file, 'oops\n', { mode: 0o600 });
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(ConfigError);
    expect(readFileSync(file, 'utf8')).toBe('oops\n');
  });

  it('is never generated when DATABASE_URL is set', () => {
    const dir = tempDir();
    const err = configError({ DATA_DIR: dir, DATABASE_URL: 'postgresql://u@h:5432/db' });
    expect(err.message).toMatch(/^CLIENTELE_MASTER_KEY is missing/);
    expect(() => statSync(path.join(dir, 'master.key'))).toThrow();
  });

  it('an unwritable DATA_DIR is a ConfigError naming DATA_DIR', () => {
    const blocker = path.join(tempDir(), 'a-file');
    writeFileSync(blocker, '');
    const err = configError({ DATA_DIR: path.join(blocker, 'data') });
    expect(err.message).toMatch(/^DATA_DIR /);
  });
});

describe('config: the bot', () => {
  it('is disabled without BOT_TOKEN, whatever else is set', () => {
    const config = loadConfig({
      DATA_DIR: tempDir(),
      CLIENTELE_MASTER_KEY: KEY,
      BOT_MODE: 'webhook',
    });
    expect(config.bot).toEqual({ enabled: false });
  });

  it('webhook mode with secret and public URL', () => {
    const config = loadConfig({
      DATA_DIR: tempDir(),
      CLIENTELE_MASTER_KEY: KEY,
      BOT_TOKEN: TOKEN,
      BOT_MODE: 'webhook',
      WEBHOOK_SECRET: 'a'.repeat(32),
      PUBLIC_URL: 'https://salon.example',
    });
    expect(config.bot).toMatchObject({ enabled: true, mode: 'webhook' });
    expect(config.http.cookieSecure).toBe(true);
  });
});
