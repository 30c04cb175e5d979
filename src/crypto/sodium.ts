import sodium from 'libsodium-wrappers-sumo';

/** The one libsodium instance (sumo build: it alone has Argon2id's crypto_pwhash_str). */
export async function loadSodium(): Promise<typeof sodium> {
  await sodium.ready;
  return sodium;
}

export type Sodium = typeof sodium;
