/** A ciphertext that cannot be opened: tampered, moved to another row, or under an unknown key. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

export class KeyError extends Error {
  override name = 'KeyError';
}
