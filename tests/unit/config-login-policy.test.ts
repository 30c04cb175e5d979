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

function refusal(env: Record<string, string>): string {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config: password rule and login lock-out policy', () => {
  it('defaults to score 3, 12 characters, 5 free failures, 15 minutes, a ceiling of 30', () => {
    const defaults = {
      passwordMinScore: 3,
      passwordMinLength: 12,
      freeFailures: 5,
      maxDelaySeconds: 900,
      accountCeiling: 30,
    };
    expect(load({}).login).toEqual(defaults);
    // An empty line in .env (PASSWORD_MIN_SCORE=) means the default, not 0.
    expect(
      load({
        PASSWORD_MIN_SCORE: '',
        PASSWORD_MIN_LENGTH: ' ',
        LOGIN_FREE_FAILURES: '',
        LOGIN_MAX_DELAY_MINUTES: '',
        LOGIN_ACCOUNT_CEILING: '',
      }).login,
    ).toEqual(defaults);
  });

  it.each([
    ['PASSWORD_MIN_SCORE', '4', 'passwordMinScore', 4],
    ['PASSWORD_MIN_SCORE', ' 3 ', 'passwordMinScore', 3],
    ['PASSWORD_MIN_LENGTH', '12', 'passwordMinLength', 12],
    ['PASSWORD_MIN_LENGTH', '64', 'passwordMinLength', 64],
    ['LOGIN_FREE_FAILURES', '3', 'freeFailures', 3],
    ['LOGIN_FREE_FAILURES', '20', 'freeFailures', 20],
    ['LOGIN_MAX_DELAY_MINUTES', '1', 'maxDelaySeconds', 60],
    ['LOGIN_MAX_DELAY_MINUTES', '1440', 'maxDelaySeconds', 86_400],
    ['LOGIN_ACCOUNT_CEILING', '10', 'accountCeiling', 10],
    ['LOGIN_ACCOUNT_CEILING', '1000', 'accountCeiling', 1000],
  ])('takes %s=%j', (name, value, key, expected) => {
    const login = load({ [name]: value }).login;
    expect(login).toMatchObject({ [key]: expected });
  });

  it.each([
    ['PASSWORD_MIN_SCORE', '2', /guessable passwords/],
    ['PASSWORD_MIN_SCORE', '0', /guessable passwords/],
    ['PASSWORD_MIN_SCORE', '-1', /guessable passwords/],
    ['PASSWORD_MIN_SCORE', '5', /3 to 4/],
    ['PASSWORD_MIN_SCORE', '3.5', /3 to 4/],
    ['PASSWORD_MIN_SCORE', 'strong', /3 to 4/],
    ['PASSWORD_MIN_LENGTH', '11', /12 to 64/],
    ['PASSWORD_MIN_LENGTH', '65', /12 to 64/],
    ['PASSWORD_MIN_LENGTH', '256', /12 to 64/],
    ['PASSWORD_MIN_LENGTH', 'twelve', /12 to 64/],
    ['LOGIN_FREE_FAILURES', '2', /3 to 20/],
    ['LOGIN_FREE_FAILURES', '21', /3 to 20/],
    ['LOGIN_FREE_FAILURES', '4.5', /3 to 20/],
    ['LOGIN_MAX_DELAY_MINUTES', '0', /1 to 1440/],
    ['LOGIN_MAX_DELAY_MINUTES', '1441', /1 to 1440/],
    ['LOGIN_MAX_DELAY_MINUTES', '15m', /1 to 1440/],
    ['LOGIN_ACCOUNT_CEILING', '9', /10 to 1000/],
    ['LOGIN_ACCOUNT_CEILING', '1001', /10 to 1000/],
    ['LOGIN_ACCOUNT_CEILING', '<script>', /10 to 1000/],
    ['LOGIN_ACCOUNT_CEILING', '9'.repeat(400), /10 to 1000/],
  ])('refuses %s=%j in one line naming it', (name, value, why) => {
    const message = refusal({ [name]: value });
    expect(message.startsWith(`${name} is invalid: expected `)).toBe(true);
    expect(message).toMatch(why);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('<script>');
  });
});
