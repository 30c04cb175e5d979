import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

function load(env: Record<string, string>) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'clientele-config-'));
  return { dataDir, config: loadConfig({ DATA_DIR: dataDir, CLIENTELE_MASTER_KEY: KEY, ...env }) };
}

function refusal(env: Record<string, string>): string {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('backup settings', () => {
  it('default to 03:00, seven archives, DATA_DIR/backups', () => {
    const { dataDir, config } = load({});
    expect(config.backup).toEqual({ dir: path.join(dataDir, 'backups'), hour: 3, keep: 7 });
  });

  it('take an hour, a count and a folder', () => {
    const { config } = load({ BACKUP_HOUR: '0', BACKUP_KEEP: '30', BACKUP_DIR: '/srv/backups' });
    expect(config.backup).toEqual({ dir: '/srv/backups', hour: 0, keep: 30 });
    expect(load({ BACKUP_HOUR: '23', BACKUP_DIR: '  ' }).config.backup.hour).toBe(23);
  });

  it.each([
    ['BACKUP_HOUR', '24', /0 to 23/],
    ['BACKUP_HOUR', '-1', /0 to 23/],
    ['BACKUP_HOUR', '3.5', /whole hour/],
    ['BACKUP_HOUR', 'three', /0 to 23/],
    ['BACKUP_HOUR', '9'.repeat(400), /0 to 23/],
    ['BACKUP_KEEP', '0', /1 to 1000/],
    ['BACKUP_KEEP', '1001', /1 to 1000/],
    ['BACKUP_KEEP', '2.5', /whole number/],
    ['BACKUP_KEEP', 'all', /1 to 1000/],
  ])('refuses %s=%j in one line naming it', (name, value, why) => {
    const message = refusal({ [name]: value });
    expect(message.startsWith(`${name} is invalid`)).toBe(true);
    expect(message).toMatch(why);
    expect(message).not.toContain('\n');
  });
});
