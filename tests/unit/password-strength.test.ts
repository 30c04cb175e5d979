import { describe, expect, it } from 'vitest';
import { isStrongPassword, passwordScore } from '../../src/crypto/password-strength.js';
import { DEFAULT_STAFF_POLICY } from '../../src/domain/staff/staff-policy.js';

const MIN = DEFAULT_STAFF_POLICY.passwordMinScore;

describe('password strength (zxcvbn, offline)', () => {
  it('refuses repeats, sequences, common passwords and the person’s own e-mail', async () => {
    const weak = [
      'aaaaaaaaaaaa',
      ' '.repeat(12),
      'password1234',
      '123456789012',
      'qwertyuiopas',
      'Qwerty123456',
      'iloveyou2020',
    ];
    for (const password of weak)
      expect(await isStrongPassword(password, [], MIN), password).toBe(false);
    expect(
      await isStrongPassword('olga.smirnova1990', ['olga.smirnova@salon.ru', 'olga.smirnova'], MIN),
    ).toBe(false);
    expect(MIN).toBe(3);
  });

  it('accepts a few unrelated words and long random strings', async () => {
    for (const password of [
      'plum violin seventy harbour',
      'correct horse battery staple',
      'Kx7#pQ2!vL9z',
      'ыщ5Лм!оп2Ва8',
    ])
      expect(await passwordScore(password), password).toBeGreaterThanOrEqual(3);
  });

  it('holds a password to the score it is given', async () => {
    const password = 'correct horse battery staple';
    const score = await passwordScore(password);
    expect(await isStrongPassword(password, [], score)).toBe(true);
    expect(await isStrongPassword(password, [], score + 1)).toBe(false);
  });

  it('copes with huge and odd input', async () => {
    expect(await isStrongPassword('a'.repeat(100_000), [], MIN)).toBe(false);
    expect(typeof (await passwordScore('\u0000\uffff😀'.repeat(50)))).toBe('number');
  });
});
