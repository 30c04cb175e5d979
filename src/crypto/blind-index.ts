import type { Sodium } from './sodium.js';

/** Each searchable value has its own index key (derived per index number) and its own width. */
export const BLIND_INDEXES = {
  phone: 1,
  name: 2,
  birthday: 3,
  tag: 4,
} as const;
export type BlindIndexName = keyof typeof BLIND_INDEXES;

/**
 * Bits kept of each index, by CipherSweet's planning rule 2 ≤ rows / 2^bits < √rows: enough
 * rows share each value that the index alone does not identify anyone, and few enough that the
 * candidates confirmed by decryption stay cheap. The birthday index has only 366 possible
 * inputs, so it is kept coarser still (about three days share a value); so is the tag index.
 */
export function indexBits(expectedRows: number): Record<BlindIndexName, number> {
  const log2 = Math.log2(Math.max(expectedRows, 16));
  const lowest = Math.ceil(log2 / 2) + 1; // rows / 2^bits < √rows
  const highest = Math.floor(log2 - 1); // rows / 2^bits ≥ 2
  const bits = Math.max(lowest, Math.min(highest, Math.round(0.75 * log2 - 0.5)));
  // Tags are a small vocabulary the salon chooses: a narrow index makes unrelated tags share
  // values, so the index alone does not tell which clients carry which tag.
  return { phone: bits, name: bits, birthday: 7, tag: 6 };
}

/** A keyed BLAKE2b of the normalised value, truncated to `bits` and returned as an integer. */
export function computeBlindIndex(
  sodium: Sodium,
  key: Uint8Array,
  bits: number,
  normalised: string,
): number {
  const digest = sodium.crypto_generichash(4, sodium.from_string(normalised), key);
  const word = new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0);
  return word >>> (32 - bits);
}
