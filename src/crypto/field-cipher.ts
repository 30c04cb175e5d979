import { randomFillSync } from 'node:crypto';
import { DecryptionError } from './errors.js';
import type { Sodium } from './sodium.js';

/**
 * Ciphertext layout: [format 1 byte][key id 4 bytes][nonce 24 bytes][XChaCha20-Poly1305 body].
 * The header and the field's place (table, column, row id) are the associated data, so a
 * ciphertext copied to another row or column, or given another key id, fails to open.
 */
const FORMAT = 1;
const HEADER = 1 + 4;

export interface FieldPlace {
  table: string;
  column: string;
  rowId: string;
}

function associatedData(sodium: Sodium, header: Uint8Array, place: FieldPlace): Uint8Array {
  const where = sodium.from_string(`clientele/${place.table}/${place.column}/${place.rowId}`);
  const ad = new Uint8Array(header.length + where.length);
  ad.set(header, 0);
  ad.set(where, header.length);
  return ad;
}

export function sealField(
  sodium: Sodium,
  key: Uint8Array,
  keyId: number,
  place: FieldPlace,
  plaintext: Uint8Array,
): Uint8Array {
  const header = new Uint8Array(HEADER);
  header[0] = FORMAT;
  new DataView(header.buffer).setUint32(1, keyId);
  // Node's CSPRNG: the same quality as libsodium's, without a WebAssembly round trip per call.
  const nonce = randomFillSync(new Uint8Array(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES));
  const body = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    plaintext,
    associatedData(sodium, header, place),
    null,
    nonce,
    key,
  );
  const out = new Uint8Array(HEADER + nonce.length + body.length);
  out.set(header, 0);
  out.set(nonce, HEADER);
  out.set(body, HEADER + nonce.length);
  return out;
}

/** Reads the key id from a ciphertext's header without opening it. */
export function keyIdOfCiphertext(ciphertext: Uint8Array): number {
  if (ciphertext.length < HEADER || ciphertext[0] !== FORMAT) {
    throw new DecryptionError('not a Clientele ciphertext');
  }
  return new DataView(ciphertext.buffer, ciphertext.byteOffset, HEADER).getUint32(1);
}

export function openField(
  sodium: Sodium,
  key: Uint8Array,
  place: FieldPlace,
  ciphertext: Uint8Array,
): Uint8Array {
  const nonceBytes = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  keyIdOfCiphertext(ciphertext);
  if (ciphertext.length < HEADER + nonceBytes + sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    throw new DecryptionError('ciphertext too short');
  }
  const header = ciphertext.subarray(0, HEADER);
  const nonce = ciphertext.subarray(HEADER, HEADER + nonceBytes);
  const body = ciphertext.subarray(HEADER + nonceBytes);
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      body,
      associatedData(sodium, header, place),
      nonce,
      key,
    );
  } catch {
    // libsodium says only "ciphertext cannot be decrypted"; say where, never what.
    throw new DecryptionError(
      `cannot decrypt ${place.table}.${place.column}: wrong key, tampered or moved`,
    );
  }
}
