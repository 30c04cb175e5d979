import { KeyError } from './errors.js';
import type { Sodium } from './sodium.js';

/**
 * Sub-keys derived from one master key with crypto_kdf, so each purpose has its own key and a
 * leak of one (say, an index key) reveals nothing about the others.
 */
const SUBKEY = { wrap: 1, system: 2, indexBase: 100 } as const;
const CONTEXT = { wrap: 'clwrap__', system: 'clsystem', index: 'clbidx__' } as const;

export interface MasterKey {
  /** 32-bit id written in every ciphertext header, so the right key is found after rotation. */
  readonly id: number;
  readonly wrapKey: Uint8Array;
  readonly systemKey: Uint8Array;
  indexKey(indexNumber: number): Uint8Array;
}

export function keyIdOf(sodium: Sodium, key: Uint8Array): number {
  const digest = sodium.crypto_generichash(4, key, sodium.from_string('clientele-key-id'));
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0);
}

function deriveMasterKey(sodium: Sodium, raw: Uint8Array): MasterKey {
  if (raw.length !== sodium.crypto_kdf_KEYBYTES) {
    throw new KeyError(`a master key must be ${sodium.crypto_kdf_KEYBYTES} bytes`);
  }
  const master = new Uint8Array(raw);
  const indexKeys = new Map<number, Uint8Array>();
  return {
    id: keyIdOf(sodium, master),
    wrapKey: sodium.crypto_kdf_derive_from_key(32, SUBKEY.wrap, CONTEXT.wrap, master),
    systemKey: sodium.crypto_kdf_derive_from_key(32, SUBKEY.system, CONTEXT.system, master),
    indexKey(n) {
      let key = indexKeys.get(n);
      if (!key) {
        key = sodium.crypto_kdf_derive_from_key(32, SUBKEY.indexBase + n, CONTEXT.index, master);
        indexKeys.set(n, key);
      }
      return key;
    },
  };
}

/** The current master key, used for everything new, and older ones kept only to read. */
export class KeyRing {
  readonly current: MasterKey;
  private readonly byId = new Map<number, MasterKey>();

  constructor(sodium: Sodium, current: Uint8Array, previous: readonly Uint8Array[] = []) {
    this.current = deriveMasterKey(sodium, current);
    for (const raw of previous) {
      const key = deriveMasterKey(sodium, raw);
      this.byId.set(key.id, key);
    }
    this.byId.set(this.current.id, this.current);
  }

  get(id: number): MasterKey {
    const key = this.byId.get(id);
    if (!key)
      throw new KeyError('the data was encrypted under a master key that is not configured');
    return key;
  }
}
