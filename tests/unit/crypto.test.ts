import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { indexBits } from '../../src/crypto/blind-index.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import { DecryptionError, KeyError } from '../../src/crypto/errors.js';
import { randomKey, testCrypto } from '../helpers/fixtures.js';

const place = { table: 'clients', column: 'phone_enc', rowId: 'row-1' };

describe('crypto', () => {
  let crypto: Crypto;
  beforeAll(async () => {
    crypto = await testCrypto();
  });

  it('round-trips a field and never repeats a ciphertext', () => {
    const key = crypto.newDataKey();
    const a = crypto.encrypt(key, place, '+79161234567');
    const b = crypto.encrypt(key, place, '+79161234567');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(crypto.decrypt(key, place, a)).toBe('+79161234567');
    expect(Buffer.from(a).includes(Buffer.from('79161234567'))).toBe(false);
  });

  it('refuses a tampered header, nonce or body', () => {
    const key = crypto.newDataKey();
    const ct = crypto.encrypt(key, place, 'аллергия на латекс');
    for (const index of [0, 2, 10, ct.length - 1]) {
      const bad = new Uint8Array(ct);
      bad[index] = (bad[index] ?? 0) ^ 1;
      expect(() => crypto.decrypt(key, place, bad)).toThrow(DecryptionError);
    }
    expect(() => crypto.decrypt(key, place, ct.subarray(0, 20))).toThrow(DecryptionError);
    expect(() => crypto.decrypt(key, place, new Uint8Array(0))).toThrow(DecryptionError);
  });

  it('refuses a ciphertext moved to another row or column', () => {
    const key = crypto.newDataKey();
    const ct = crypto.encrypt(key, place, 'Анна');
    expect(() => crypto.decrypt(key, { ...place, rowId: 'row-2' }, ct)).toThrow(DecryptionError);
    expect(() => crypto.decrypt(key, { ...place, column: 'name_enc' }, ct)).toThrow(
      DecryptionError,
    );
    expect(() => crypto.decrypt(key, { ...place, table: 'staff' }, ct)).toThrow(DecryptionError);
  });

  it('refuses a wrong data key, and a wrong message never names the plaintext', () => {
    const ct = crypto.encrypt(crypto.newDataKey(), place, 'secret-note');
    let message = '';
    try {
      crypto.decrypt(crypto.newDataKey(), place, ct);
    } catch (err) {
      expect(err).toBeInstanceOf(DecryptionError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/wrong key/);
    expect(message).not.toContain('secret-note');
  });

  it('wraps data keys per client under the master key', async () => {
    const key = crypto.newDataKey();
    const wrapped = crypto.wrapDataKey('client-a', key);
    expect(crypto.unwrapDataKey('client-a', wrapped).bytes).toEqual(key.bytes);
    expect(() => crypto.unwrapDataKey('client-b', wrapped)).toThrow(DecryptionError);
    const other = await testCrypto();
    expect(() => other.unwrapDataKey('client-a', wrapped)).toThrow(KeyError);
    expect(() => crypto.unwrapDataKey('client-a', new Uint8Array(0))).toThrow(DecryptionError);
  });

  it('reads data under a previous master key once it is configured as previous', async () => {
    const oldKey = randomKey();
    const before = await testCrypto({ masterKey: oldKey });
    const wrapped = before.wrapDataKey('c', before.newDataKey());
    const system = before.encryptSystem(place, 'queued text');
    const after = await testCrypto({ masterKey: randomKey(), previousKeys: [oldKey] });
    expect(after.isWrappedUnderOldKey(wrapped)).toBe(true);
    expect(after.unwrapDataKey('c', wrapped).bytes).toHaveLength(32);
    expect(after.decryptSystem(place, system)).toBe('queued text');
  });

  it('computes blind indexes per index and per key, within the planned bits', async () => {
    const a = crypto.blindIndex('phone', '+79161234567');
    expect(crypto.blindIndex('phone', '+79161234567')).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(2 ** crypto.indexBitsOf('phone'));
    const other = await testCrypto();
    const values = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const same = values.filter((v) => crypto.blindIndex('name', v) === other.blindIndex('name', v));
    expect(same.length).toBeLessThan(values.length);
    const byIndex = values.filter(
      (v) => crypto.blindIndex('name', v) === crypto.blindIndex('phone', v),
    );
    expect(byIndex.length).toBeLessThan(values.length);
  });

  it('plans index widths by CipherSweet’s rule 2 ≤ rows/2^bits < √rows', () => {
    for (const rows of [1_000, 10_000, 100_000, 1_000_000]) {
      const { phone, birthday } = indexBits(rows);
      expect(rows / 2 ** phone).toBeGreaterThanOrEqual(2);
      expect(rows / 2 ** phone).toBeLessThan(Math.sqrt(rows));
      expect(birthday).toBeLessThan(Math.log2(366));
    }
  });

  it('hashes staff passwords with Argon2id and spots old parameters', async () => {
    const hash = crypto.hashPassword('correct horse battery');
    expect(hash.startsWith('$argon2id$')).toBe(true);
    expect(crypto.verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(crypto.verifyPassword(hash, 'correct horse batterx')).toBe(false);
    expect(crypto.verifyPassword('not a hash', 'x')).toBe(false);
    expect(crypto.passwordNeedsRehash(hash)).toBe(false);
    await sodium.ready;
    const weak = sodium.crypto_pwhash_str('pw', 1, 8 * 1024 * 1024);
    expect(crypto.passwordNeedsRehash(weak)).toBe(true);
    expect(crypto.generatePassword()).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
  });

  it('compares secrets in constant time and makes URL-safe tokens', () => {
    expect(crypto.equalSecrets('abc', 'abc')).toBe(true);
    expect(crypto.equalSecrets('abc', 'abd')).toBe(false);
    expect(crypto.equalSecrets('abc', 'abcd')).toBe(false);
    expect(crypto.randomToken(8)).toMatch(/^[A-Za-z0-9_-]{11}$/);
  });
});
