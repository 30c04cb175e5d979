import { createDatabase } from '../db/connect.js';
import { createLogger } from '../logger.js';

// Prebuilds the panel's component bundle (for the Docker image), so a container started with
// ADMIN_JS_SKIP_BUNDLE=true serves it at once. No database is contacted.
process.env.NODE_ENV = 'production';
process.env.ADMIN_JS_TMP_DIR ??= '.adminjs';
const { createAdmin, panelResources } = await import('../admin/panel/admin-panel.js');
const { createCrypto } = await import('../crypto/crypto.js');
const { createServices } = await import('../runtime.js');

const logger = createLogger({ level: 'warn' });
const unused = createDatabase('postgres://unused@127.0.0.1:1/unused');
const crypto = await createCrypto({ masterKey: new Uint8Array(32) });
const admin = createAdmin(
  panelResources({ db: unused.db, crypto, ...createServices({ db: unused.db, crypto, logger }) }),
);
const started = Date.now();
await admin.initialize();
await unused.close();
process.stdout.write(
  `panel bundle written to ${process.env.ADMIN_JS_TMP_DIR} in ${Date.now() - started} ms\n`,
);
