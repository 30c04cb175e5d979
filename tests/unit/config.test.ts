import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

function dataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'clientele-config-'));
}

function expectConfigError(env: Record<string, string>, variable: string): string {
  try {
    loadConfig({ DATA_DIR: dataDir(), ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message.startsWith(variable)).toBe(true);
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`expected a ConfigError naming ${variable}`);
}

describe('config', () => {
  it('has working defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), CLIENTELE_MASTER_KEY: KEY });
    expect(config.http.port).toBe(3000);
    expect(config.bot.enabled).toBe(false);
    expect([...config.roles].sort()).toEqual(['bot', 'jobs', 'web']);
    expect(config.database.url).toBeUndefined();
    expect(config.defaultTimeZone).toBe('Europe/Moscow');
  });

  it.each([
    ['not base64!', /base64/],
    [Buffer.alloc(31).toString('base64'), /31 bytes/],
    [Buffer.alloc(33).toString('base64'), /33 bytes/],
  ])('refuses a malformed master key %j', (key, why) => {
    expect(expectConfigError({ CLIENTELE_MASTER_KEY: key }, 'CLIENTELE_MASTER_KEY')).toMatch(why);
  });

  it('refuses bad values, naming the variable', () => {
    expectConfigError({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL');
    expectConfigError({ CLIENTELE_MASTER_KEY: KEY, ROLES: 'web,admin' }, 'ROLES');
    expectConfigError({ CLIENTELE_MASTER_KEY: KEY, ROLES: ',' }, 'ROLES');
    expectConfigError({ CLIENTELE_MASTER_KEY: KEY, PORT: '70000' }, 'PORT');
    expectConfigError({ CLIENTELE_MASTER_KEY: KEY, PORT: 'http' }, 'PORT');
    expectConfigError({ CLIENTELE_MASTER_KEY: KEY, TZ_DEFAULT: 'Mars/Olympus' }, 'TZ_DEFAULT');
    expectConfigError({ CLIENTELE_MASTER_KEY: KEY, LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    expectConfigError({ CLIENTELE_MASTER_KEY: KEY, BOT_TOKEN: 'nope' }, 'BOT_TOKEN');
    expectConfigError(
      {
        CLIENTELE_MASTER_KEY: KEY,
        BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
        BOT_MODE: 'webhook',
      },
      'WEBHOOK_SECRET',
    );
  });

  it('requires a key when DATABASE_URL is set', () => {
    expectConfigError({ DATABASE_URL: 'postgres://u@h/db' }, 'CLIENTELE_MASTER_KEY');
  });

  it('generates a key file with mode 0600 for the embedded database and reuses it', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    const file = path.join(dir, 'master.key');
    expect(first.keys.generatedFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadConfig({ DATA_DIR: dir });
    expect(second.keys.generatedFile).toBeUndefined();
    expect(second.keys.current).toEqual(first.keys.current);
  });

  it('reads CLIENTELE_KEY_FILE and previous keys', () => {
    const file = path.join(dataDir(), 'k');
    writeFileSync(file, `${KEY}\n`);
    const config = loadConfig({
      DATA_DIR: dataDir(),
      DATABASE_URL: 'postgres://u@h/db',
      CLIENTELE_KEY_FILE: file,
      CLIENTELE_PREVIOUS_KEYS: `${Buffer.alloc(32, 1).toString('base64')}`,
    });
    expect(Buffer.from(config.keys.current).toString('base64')).toBe(
      readFileSync(file, 'utf8').trim(),
    );
    expect(config.keys.previous).toHaveLength(1);
    expectConfigError({ CLIENTELE_KEY_FILE: '/nonexistent/key' }, 'CLIENTELE_KEY_FILE');
  });

  it('enables the bot with a token', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      CLIENTELE_MASTER_KEY: KEY,
      BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      BOT_API_ROOT: 'http://127.0.0.1:8081/',
    });
    expect(config.bot).toMatchObject({
      enabled: true,
      apiRoot: 'http://127.0.0.1:8081',
      mode: 'polling',
    });
  });
});
