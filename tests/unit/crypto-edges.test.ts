import { beforeAll, describe, expect, it } from 'vitest';
import { indexBits } from '../../src/crypto/blind-index.js';
import { type Crypto, createCrypto } from '../../src/crypto/crypto.js';
import { DecryptionError, KeyError } from '../../src/crypto/errors.js';
import { loadSodium, type Sodium } from '../../src/crypto/sodium.js';
import { randomKey, testCrypto } from '../helpers/fixtures.js';

// Layout (src/crypto/field-cipher.ts): [format 1][key id 4][nonce 24][body = text + 16-byte tag].
const HEADER = 5;
const NONCE = 24;
const place = { table: 'clients', column: 'allergies_enc', rowId: 'c0ffee' };

function flipped(ct: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(ct);
  copy[index] = (copy[index] ?? 0) ^ 0x80;
  return copy;
}

describe('crypto: every byte of a ciphertext is protected', () => {
  let crypto: Crypto;
  beforeAll(async () => {
    crypto = await testCrypto();
  });

  it('refuses a flip of any single byte: header, nonce or body', () => {
    const key = crypto.newDataKey();
    const ct = crypto.encrypt(key, place, 'латекс; лидокаин');
    expect(ct.length).toBe(HEADER + NONCE + Buffer.byteLength('латекс; лидокаин') + 16);
    const regions = {
      header: [0, HEADER],
      nonce: [HEADER, HEADER + NONCE],
      body: [HEADER + NONCE, ct.length],
    };
    for (const [region, [from, to]] of Object.entries(regions)) {
      for (let i = from ?? 0; i < (to ?? 0); i++) {
        expect(() => crypto.decrypt(key, place, flipped(ct, i)), `${region} byte ${i}`).toThrow(
          DecryptionError,
        );
      }
    }
    expect(crypto.decrypt(key, place, ct)).toBe('латекс; лидокаин');
  });

  it('refuses a truncated or extended ciphertext and non-ciphertexts', () => {
    const key = crypto.newDataKey();
    const ct = crypto.encrypt(key, place, 'x');
    const extended = new Uint8Array(ct.length + 1);
    extended.set(ct);
    for (const bad of [ct.subarray(0, ct.length - 1), extended, ct.subarray(0, HEADER + NONCE)]) {
      expect(() => crypto.decrypt(key, place, bad)).toThrow(DecryptionError);
    }
    expect(() => crypto.decrypt(key, place, Buffer.from('plain text, never encrypted'))).toThrow(
      DecryptionError,
    );
  });

  it('refuses a ciphertext of one client under another client’s data key', () => {
    const annaKey = crypto.newDataKey();
    const borisKey = crypto.newDataKey();
    const ct = crypto.encrypt(annaKey, place, 'secret');
    expect(() => crypto.decrypt(borisKey, place, ct)).toThrow(DecryptionError);
    // Even with the key id forged to Boris's, the authentication tag does not verify.
    const forged = new Uint8Array(ct);
    new DataView(forged.buffer).setUint32(1, borisKey.id);
    expect(() => crypto.decrypt(borisKey, place, forged)).toThrow(DecryptionError);
  });

  it('works on Buffers that are slices of a larger buffer, as pg returns bytea', () => {
    const key = crypto.newDataKey();
    const ct = crypto.encrypt(key, place, 'Анна');
    const pool = Buffer.alloc(ct.length + 100, 0xaa);
    pool.set(ct, 37);
    expect(crypto.decrypt(key, place, pool.subarray(37, 37 + ct.length))).toBe('Анна');
  });

  it('binds system ciphertexts to their place and key', async () => {
    const where = { table: 'outbox', column: 'payload_enc', rowId: 'birthday:1:2026' };
    const ct = crypto.encryptSystem(where, '{"text":"С днём рождения"}');
    expect(crypto.decryptSystem(where, ct)).toBe('{"text":"С днём рождения"}');
    expect(() => crypto.decryptSystem({ ...where, rowId: 'birthday:2:2026' }, ct)).toThrow(
      DecryptionError,
    );
    expect(() => crypto.decryptSystem(where, flipped(ct, ct.length - 3))).toThrow(DecryptionError);
    const stranger = await testCrypto();
    expect(() => stranger.decryptSystem(where, ct)).toThrow(KeyError);
    expect(crypto.isSystemCiphertextUnderOldKey(ct)).toBe(false);
    // A data-key ciphertext is not a system ciphertext, and the other way round.
    const key = crypto.newDataKey();
    expect(() => crypto.decrypt(key, where, ct)).toThrow(DecryptionError);
  });

  it('wrapped data keys: round trip, bound to the client, refused when tampered', async () => {
    const key = crypto.newDataKey();
    const wrapped = crypto.wrapDataKey('11111111-1111-4111-8111-111111111111', key);
    const back = crypto.unwrapDataKey('11111111-1111-4111-8111-111111111111', wrapped);
    expect(back).toEqual(key);
    const ct = crypto.encrypt(key, place, 'via unwrapped key');
    expect(crypto.decrypt(back, place, ct)).toBe('via unwrapped key');
    expect(() => crypto.unwrapDataKey('22222222-2222-4222-8222-222222222222', wrapped)).toThrow(
      DecryptionError,
    );
    expect(() =>
      crypto.unwrapDataKey('11111111-1111-4111-8111-111111111111', flipped(wrapped, 20)),
    ).toThrow(DecryptionError);
    expect(crypto.isWrappedUnderOldKey(wrapped)).toBe(false);
    const stranger = await testCrypto();
    expect(() => stranger.unwrapDataKey('11111111-1111-4111-8111-111111111111', wrapped)).toThrow(
      KeyError,
    );
  });

  it('refuses master keys of the wrong length, current or previous', async () => {
    await expect(createCrypto({ masterKey: new Uint8Array(31) })).rejects.toThrow(KeyError);
    await expect(createCrypto({ masterKey: new Uint8Array(33) })).rejects.toThrow(KeyError);
    await expect(
      createCrypto({ masterKey: randomKey(), previousKeys: [new Uint8Array(16)] }),
    ).rejects.toThrow(KeyError);
  });

  it('error messages name the place, never the plaintext', () => {
    const key = crypto.newDataKey();
    const ct = crypto.encrypt(key, place, 'диабет 2 типа');
    try {
      crypto.decrypt(crypto.newDataKey(), place, flipped(ct, 40));
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('clients.allergies_enc');
      expect((err as Error).message).not.toContain('диабет');
    }
  });
});

describe('crypto: blind indexes', () => {
  it('are deterministic, in range and spread for each planned size', async () => {
    const master = randomKey();
    for (const rows of [1_000, 10_000, 100_000, 1_000_000]) {
      const a = await createCrypto({ masterKey: master, expectedClients: rows });
      const b = await createCrypto({ masterKey: master, expectedClients: rows });
      const bits = a.indexBitsOf('phone');
      expect(a.indexBitsOf('name')).toBe(bits);
      const seen = new Set<number>();
      for (let i = 0; i < 2_000; i++) {
        const value = `+7916${String(i).padStart(7, '0')}`;
        const index = a.blindIndex('phone', value);
        expect(b.blindIndex('phone', value)).toBe(index);
        expect(Number.isInteger(index) && index >= 0 && index < 2 ** bits).toBe(true);
        seen.add(index);
      }
      // 2000 values over 2^bits buckets: many distinct values, never all in a few buckets.
      expect(seen.size).toBeGreaterThan(Math.min(2 ** bits, 2_000) / 2);
      const birthdays = new Set<number>();
      for (let m = 1; m <= 12; m++) {
        for (let d = 1; d <= 28; d++) {
          const index = a.blindIndex('birthday', `${m}-${d}`);
          expect(index).toBeLessThan(2 ** a.indexBitsOf('birthday'));
          birthdays.add(index);
        }
      }
      // Several birthdays share each value: the index alone does not give the date.
      expect(birthdays.size).toBeLessThan(336 / 2);
    }
  });

  it('differ per index name and per master key', async () => {
    const a = await testCrypto({ expectedClients: 1_000_000 });
    const b = await testCrypto({ expectedClients: 1_000_000 });
    const values = Array.from({ length: 200 }, (_, i) => `value-${i}`);
    const sameAcrossIndexes = values.filter(
      (v) => a.blindIndex('phone', v) === a.blindIndex('name', v),
    );
    const sameAcrossKeys = values.filter(
      (v) => a.blindIndex('name', v) === b.blindIndex('name', v),
    );
    // With 14 bits a chance match is 1 in 16384 per value: a handful at most, never most.
    expect(sameAcrossIndexes.length).toBeLessThan(5);
    expect(sameAcrossKeys.length).toBeLessThan(5);
  });

  it('plan widths by 2 ≤ rows/2^bits < √rows, growing with the base', () => {
    let previous = 0;
    for (const rows of [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]) {
      const bits = indexBits(rows);
      expect(bits.name).toBe(bits.phone);
      expect(rows / 2 ** bits.phone).toBeGreaterThanOrEqual(2);
      expect(rows / 2 ** bits.phone).toBeLessThan(Math.sqrt(rows));
      expect(bits.phone).toBeGreaterThanOrEqual(previous);
      previous = bits.phone;
    }
  });
});

describe('crypto: passwords, secrets, tokens, lookup hashes', () => {
  let crypto: Crypto;
  let sodium: Sodium;
  beforeAll(async () => {
    crypto = await testCrypto();
    sodium = await loadSodium();
  });

  it('refuses hashes that are not Argon2id, and wants them rehashed', () => {
    const weak = sodium.crypto_pwhash_str('pw-pw-pw-pw-pw', 1, 8 * 1024 * 1024);
    expect(weak.startsWith('$argon2id$')).toBe(true);
    expect(crypto.verifyPassword(weak, 'pw-pw-pw-pw-pw')).toBe(true);
    expect(crypto.passwordNeedsRehash(weak)).toBe(true);
    const relabelled = weak.replace('$argon2id$', '$argon2i$');
    expect(crypto.verifyPassword(relabelled, 'pw-pw-pw-pw-pw')).toBe(false);
    for (const bad of ['', 'garbage', '$2b$10$abcdefghijklmnopqrstuv', relabelled]) {
      expect(crypto.verifyPassword(bad, '')).toBe(false);
      expect(crypto.passwordNeedsRehash(bad)).toBe(true);
    }
  });

  it('hashes the same password differently each time (salted)', () => {
    const a = crypto.hashPassword('same password 1');
    const b = crypto.hashPassword('same password 1');
    expect(a).not.toBe(b);
    expect(crypto.verifyPassword(a, 'same password 1')).toBe(true);
    expect(crypto.verifyPassword(b, 'same password 1')).toBe(true);
    expect(crypto.verifyPassword(a, 'same password 1 ')).toBe(false);
    expect(crypto.verifyPassword(a, '')).toBe(false);
  });

  it('generates readable one-time passwords without look-alike characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const password = crypto.generatePassword();
      expect(password).toMatch(/^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}-[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/);
      expect(password).not.toMatch(/[0O1lIio]/);
      seen.add(password);
    }
    expect(seen.size).toBe(200);
  });

  it('compares secrets exactly', () => {
    expect(crypto.equalSecrets('', '')).toBe(true);
    expect(crypto.equalSecrets('', 'a')).toBe(false);
    expect(crypto.equalSecrets('ключ', 'ключ')).toBe(true);
    expect(crypto.equalSecrets('ключ', 'ключа')).toBe(false);
    expect(crypto.equalSecrets('e\u0301', '\u00e9')).toBe(false); // byte-exact, no folding
    const token = crypto.randomToken(32);
    expect(
      crypto.equalSecrets(token, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`),
    ).toBe(false);
  });

  it('makes random URL-safe tokens of the asked size', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => crypto.randomToken(18)));
    expect(tokens.size).toBe(100);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('lookup hashes are deterministic, per purpose and per master key', async () => {
    const h = crypto.lookupHash('staff-link', 'code-1');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(crypto.lookupHash('staff-link', 'code-1')).toBe(h);
    expect(crypto.lookupHash('staff-link', 'code-2')).not.toBe(h);
    expect(crypto.lookupHash('webhook-path', 'code-1')).not.toBe(h);
    expect((await testCrypto()).lookupHash('staff-link', 'code-1')).not.toBe(h);
  });
});
