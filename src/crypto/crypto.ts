import { BLIND_INDEXES, type BlindIndexName, computeBlindIndex, indexBits } from './blind-index.js';
import { DecryptionError } from './errors.js';
import { type FieldPlace, keyIdOfCiphertext, openField, sealField } from './field-cipher.js';
import { KeyRing, keyIdOf } from './keyring.js';
import {
  generatePassword,
  hashPassword,
  passwordNeedsRehash,
  verifyPassword,
} from './passwords.js';
import { loadSodium, type Sodium } from './sodium.js';

export type { BlindIndexName } from './blind-index.js';
export type { FieldPlace } from './field-cipher.js';

export interface CryptoOptions {
  masterKey: Uint8Array;
  previousKeys?: readonly Uint8Array[];
  expectedClients?: number;
}

/** An unwrapped per-client data key; lives only in memory, for one operation. */
export interface DataKey {
  readonly id: number;
  readonly bytes: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Everything the domain needs from cryptography, with keys held inside: per-client data keys
 * wrapped by the master key (erasing a client destroys its key), field encryption bound to its
 * place, system-key encryption for rows without a client, blind indexes, staff passwords.
 */
export class Crypto {
  private readonly ring: KeyRing;
  private readonly bits: Record<BlindIndexName, number>;

  constructor(
    private readonly sodium: Sodium,
    options: CryptoOptions,
  ) {
    this.ring = new KeyRing(sodium, options.masterKey, options.previousKeys ?? []);
    this.bits = indexBits(options.expectedClients ?? 10_000);
  }

  get currentKeyId(): number {
    return this.ring.current.id;
  }

  indexBitsOf(name: BlindIndexName): number {
    return this.bits[name];
  }

  newDataKey(): DataKey {
    const bytes = this.sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    return { id: keyIdOf(this.sodium, bytes), bytes };
  }

  wrapDataKey(clientId: string, key: DataKey): Uint8Array {
    const master = this.ring.current;
    return sealField(this.sodium, master.wrapKey, master.id, wrapPlace(clientId), key.bytes);
  }

  unwrapDataKey(clientId: string, wrapped: Uint8Array): DataKey {
    if (wrapped.length === 0) throw new DecryptionError('the client was erased: no data key');
    const master = this.ring.get(keyIdOfCiphertext(wrapped));
    const bytes = openField(this.sodium, master.wrapKey, wrapPlace(clientId), wrapped);
    return { id: keyIdOf(this.sodium, bytes), bytes };
  }

  /** True when the wrapped key was made under an older master key. */
  isWrappedUnderOldKey(wrapped: Uint8Array): boolean {
    return keyIdOfCiphertext(wrapped) !== this.ring.current.id;
  }

  encrypt(key: DataKey, place: FieldPlace, value: string): Uint8Array {
    return sealField(this.sodium, key.bytes, key.id, place, encoder.encode(value));
  }

  decrypt(key: DataKey, place: FieldPlace, ciphertext: Uint8Array): string {
    if (keyIdOfCiphertext(ciphertext) !== key.id) {
      throw new DecryptionError(`cannot decrypt ${place.table}.${place.column}: wrong key`);
    }
    return decodeText(openField(this.sodium, key.bytes, place, ciphertext), place);
  }

  /** For rows that belong to no client (outbox messages, conversation state). */
  encryptSystem(place: FieldPlace, value: string): Uint8Array {
    const master = this.ring.current;
    return sealField(this.sodium, master.systemKey, master.id, place, encoder.encode(value));
  }

  decryptSystem(place: FieldPlace, ciphertext: Uint8Array): string {
    const master = this.ring.get(keyIdOfCiphertext(ciphertext));
    return decodeText(openField(this.sodium, master.systemKey, place, ciphertext), place);
  }

  isSystemCiphertextUnderOldKey(ciphertext: Uint8Array): boolean {
    return keyIdOfCiphertext(ciphertext) !== this.ring.current.id;
  }

  /** The index value of an already normalised input (see domain/clients/normalise.ts). */
  blindIndex(name: BlindIndexName, normalised: string): number {
    const key = this.ring.current.indexKey(BLIND_INDEXES[name]);
    return computeBlindIndex(this.sodium, key, this.bits[name], normalised);
  }

  hashPassword(password: string): string {
    return hashPassword(this.sodium, password);
  }

  verifyPassword(hash: string, password: string): boolean {
    return verifyPassword(this.sodium, hash, password);
  }

  passwordNeedsRehash(hash: string): boolean {
    return passwordNeedsRehash(this.sodium, hash);
  }

  generatePassword(): string {
    return generatePassword(this.sodium);
  }

  /** Random bytes as URL-safe base64 without padding: opaque codes and tokens. */
  randomToken(bytes: number): string {
    return this.sodium.to_base64(
      this.sodium.randombytes_buf(bytes),
      this.sodium.base64_variants.URLSAFE_NO_PADDING,
    );
  }

  /** Constant-time equality, for secrets such as the webhook token. */
  equalSecrets(a: string, b: string): boolean {
    const x = encoder.encode(a);
    const y = encoder.encode(b);
    return x.length === y.length && this.sodium.memcmp(x, y);
  }

  /** A keyed hash for values that are looked up but never read back (one-time codes). */
  lookupHash(purpose: string, value: string): string {
    const key = this.ring.current.indexKey(1000);
    return this.sodium.to_hex(
      this.sodium.crypto_generichash(32, encoder.encode(`${purpose}:${value}`), key),
    );
  }
}

function wrapPlace(clientId: string): FieldPlace {
  return { table: 'clients', column: 'data_key', rowId: clientId };
}

function decodeText(bytes: Uint8Array, place: FieldPlace): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new DecryptionError(`cannot decrypt ${place.table}.${place.column}: not text`);
  }
}

export async function createCrypto(options: CryptoOptions): Promise<Crypto> {
  return new Crypto(await loadSodium(), options);
}
