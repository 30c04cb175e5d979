import { DecryptionError, KeyError } from '../crypto/errors.js';
import { rotateKeys } from '../domain/keys/rotate-keys.js';
import { runCli, UsageError } from './run-cli.js';

// CLIENTELE_MASTER_KEY holds the new key, CLIENTELE_PREVIOUS_KEYS the old one(s).
await runCli('rotate-key', async ({ config, logger, runtime }) => {
  if (config.keys.previous.length === 0) {
    process.stderr.write(
      'rotate-key: no CLIENTELE_PREVIOUS_KEYS given; re-encrypting everything under the current key (also rebuilds the search indexes)\n',
    );
  }
  let result: { clients: number; systemRows: number };
  try {
    result = await rotateKeys({ db: runtime.database.db, crypto: runtime.crypto, logger });
  } catch (err) {
    // Batches already done stay done (each is its own transaction): say how to go on.
    if (err instanceof KeyError) {
      throw new UsageError(
        `${err.message}; put every old key in CLIENTELE_PREVIOUS_KEYS (comma separated) and run again`,
      );
    }
    if (err instanceof DecryptionError) {
      throw new UsageError(`${err.message}; nothing after it was re-encrypted`);
    }
    throw err;
  }
  process.stdout.write(
    `re-encrypted ${result.clients} clients and ${result.systemRows} other rows under the current key; the previous keys can now be removed\n`,
  );
});
