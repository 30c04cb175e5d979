import { keyIdOf } from '../crypto/keyring.js';
import { loadSodium, type Sodium } from '../crypto/sodium.js';

/**
 * Archives are encrypted to the master key, not to a separate backup key: the master key must be
 * kept apart from the data anyway (without it a restored base cannot be read), so a second secret
 * would add a second thing to lose without protecting anything more. The archive key is derived
 * from the master key with its own KDF context, so it is never the key of any field, and the
 * archive names the master key's id: a wrong key is one line before any decrypting, and keys in
 * CLIENTELE_PREVIOUS_KEYS still open archives made before a rotation.
 */
const SUBKEY_ID = 1;
const CONTEXT = 'clbackup';

export class BackupKeyError extends Error {
  override name = 'BackupKeyError';
}

export interface BackupKey {
  /** The master key's id (as in every ciphertext header), written in the archive's header. */
  id: number;
  key: Uint8Array;
}

export class BackupKeys {
  readonly current: BackupKey;
  private readonly byId = new Map<number, BackupKey>();

  private constructor(
    readonly sodium: Sodium,
    current: Uint8Array,
    previous: readonly Uint8Array[],
  ) {
    const derive = (master: Uint8Array): BackupKey => ({
      id: keyIdOf(sodium, master),
      key: sodium.crypto_kdf_derive_from_key(
        sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES,
        SUBKEY_ID,
        CONTEXT,
        master,
      ),
    });
    for (const raw of previous) {
      const key = derive(raw);
      this.byId.set(key.id, key);
    }
    this.current = derive(current);
    this.byId.set(this.current.id, this.current);
  }

  /** From the raw master keys of the config (CLIENTELE_MASTER_KEY, CLIENTELE_PREVIOUS_KEYS). */
  static async fromMasterKeys(
    current: Uint8Array,
    previous: readonly Uint8Array[] = [],
  ): Promise<BackupKeys> {
    return new BackupKeys(await loadSodium(), current, previous);
  }

  get(id: number): BackupKey {
    const key = this.byId.get(id);
    if (!key) {
      const known = [...this.byId.keys()].map(hexId).join(', ');
      throw new BackupKeyError(
        `the archive was made with master key ${hexId(id)}, which is not configured (configured: ${known}); set CLIENTELE_MASTER_KEY or CLIENTELE_PREVIOUS_KEYS to that key`,
      );
    }
    return key;
  }
}

export function hexId(id: number): string {
  return id.toString(16).padStart(8, '0');
}
