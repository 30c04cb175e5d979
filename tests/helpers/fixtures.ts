import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { type Crypto, createCrypto } from '../../src/crypto/crypto.js';
import { createLogger, type Logger } from '../../src/logger.js';

export function randomKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

export async function testCrypto(
  options: { masterKey?: Uint8Array; previousKeys?: Uint8Array[]; expectedClients?: number } = {},
): Promise<Crypto> {
  return createCrypto({ masterKey: options.masterKey ?? randomKey(), ...options });
}

/** A logger whose output is kept in memory, to prove what never reaches a log. */
export function captureLogger(level = 'trace'): { logger: Logger; output: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level }, stream), output: () => chunks.join('') };
}

export const silentLogger: Logger = createLogger({ level: 'silent' });
