import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

function load(env: Record<string, string>) {
  return loadConfig({
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'clientele-config-')),
    CLIENTELE_MASTER_KEY: KEY,
    ...env,
  });
}

describe('config: TRUST_PROXY', () => {
  it('trusts no proxy by default, PUBLIC_URL or not', () => {
    expect(load({}).http.trustProxy).toBe(false);
    expect(load({ PUBLIC_URL: 'https://crm.example' }).http.trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: ' ' }).http.trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: 'none' }).http.trustProxy).toBe(false);
  });

  it('takes the proxies as addresses, CIDRs and named ranges', () => {
    expect(load({ TRUST_PROXY: '10.0.0.5' }).http.trustProxy).toEqual(['10.0.0.5']);
    expect(
      load({ TRUST_PROXY: ' 10.0.0.0/8, fd00::/8 ,loopback,2001:db8::1' }).http.trustProxy,
    ).toEqual(['10.0.0.0/8', 'fd00::/8', 'loopback', '2001:db8::1']);
  });

  it.each([
    ['true', 'any client'],
    ['1', 'hop count'],
    ['2', 'hop count'],
    ['10.0.0.0/33', 'CIDRs'],
    ['fd00::/129', 'CIDRs'],
    ['10.0.0.1/8/8', 'CIDRs'],
    ['10.0.0.256', 'CIDRs'],
    ['proxy.example', 'CIDRs'],
    ['10.0.0.1, <script>', 'CIDRs'],
    [',,', 'CIDRs'],
    [Array(101).fill('10.0.0.1').join(','), 'CIDRs'],
  ])('refuses %j in one line naming TRUST_PROXY', (value, says) => {
    let error: unknown;
    try {
      load({ TRUST_PROXY: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith('TRUST_PROXY is invalid: expected ')).toBe(true);
    expect(message).toContain(says);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('<script>');
  });
});
