import type { Sodium } from './sodium.js';

// OWASP's minimum for Argon2id is 19 MiB, 2 passes; libsodium's "interactive" is 64 MiB, 2 passes.
const OPS = 2;
const MEM = 64 * 1024 * 1024;

export function hashPassword(sodium: Sodium, password: string): string {
  return sodium.crypto_pwhash_str(password, OPS, MEM);
}

export function verifyPassword(sodium: Sodium, hash: string, password: string): boolean {
  if (!hash.startsWith('$argon2id$')) return false;
  try {
    return sodium.crypto_pwhash_str_verify(hash, password);
  } catch {
    return false;
  }
}

/** True when the stored hash was made with other parameters and should be remade at login. */
export function passwordNeedsRehash(sodium: Sodium, hash: string): boolean {
  return sodium.crypto_pwhash_str_needs_rehash(hash, OPS, MEM);
}

/** A one-time password a person can type: 4 groups of 5 characters without look-alikes. */
export function generatePassword(sodium: Sodium): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY23456789';
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let group = '';
    for (let i = 0; i < 5; i++) group += alphabet[sodium.randombytes_uniform(alphabet.length)];
    groups.push(group);
  }
  return groups.join('-');
}
