import { rotateKeys } from '../domain/keys/rotate-keys.js';
import { runCli } from './run-cli.js';

// CLIENTELE_MASTER_KEY holds the new key, CLIENTELE_PREVIOUS_KEYS the old one(s).
await runCli('rotate-key', async ({ config, logger, runtime }) => {
  if (config.keys.previous.length === 0) {
    process.stderr.write(
      'rotate-key: no CLIENTELE_PREVIOUS_KEYS given; re-encrypting everything under the current key (also rebuilds the search indexes)\n',
    );
  }
  const result = await rotateKeys({ db: runtime.database.db, crypto: runtime.crypto, logger });
  process.stdout.write(
    `re-encrypted ${result.clients} clients and ${result.systemRows} other rows under the current key; the previous keys can now be removed\n`,
  );
});
