import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { clientCardReader } from '../../src/admin/panel/actions/client-card.js';
import { buildServer, type ServerDeps } from '../../src/admin/web/server.js';
import { BackupKeys } from '../../src/backup/backup-keys.js';
import { BackupService } from '../../src/backup/backup-service.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { StaffRole } from '../../src/db/schema.js';
import type { ClientService } from '../../src/domain/clients/client-service.js';
import type { CardService } from '../../src/domain/loyalty/card-service.js';
import type { StaffService } from '../../src/domain/staff/staff-service.js';
import { createServices } from '../../src/runtime.js';
import { randomKey, silentLogger, testCrypto } from '../helpers/fixtures.js';
import { addBranch } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

export const PASSWORD = 'correct horse battery staple';

/** The web server on a real test database, listening on a loopback port. */
export class PanelHarness {
  t!: TestDatabase;
  crypto!: Crypto;
  clients!: ClientService;
  staff!: StaffService;
  cards!: CardService;
  app!: FastifyInstance;
  url!: string;
  /** The owners' backups, in a folder of this harness's own. */
  backups!: BackupService;
  /** What the server was built from, for tests that build another one beside it. */
  serverDeps!: ServerDeps;

  async setUp(): Promise<this> {
    this.t = await createTestDatabase('panel');
    const masterKey = randomKey();
    this.crypto = await testCrypto({ masterKey });
    const services = createServices({ db: this.t.db, crypto: this.crypto, logger: silentLogger });
    this.clients = services.clients;
    this.staff = services.staff;
    this.cards = services.cards;
    this.backups = new BackupService({
      db: this.t.db,
      pool: this.t.handle.pool,
      keys: await BackupKeys.fromMasterKeys(masterKey),
      dir: mkdtempSync(path.join(os.tmpdir(), 'clientele-panel-backups-')),
    });
    this.serverDeps = {
      config: { http: { port: 0, host: '127.0.0.1', publicUrl: undefined, cookieSecure: false } },
      logger: silentLogger,
      db: this.t.db,
      crypto: this.crypto,
      clients: this.clients,
      messages: services.messages,
      cards: this.cards,
      catalogue: services.catalogue,
      booking: services.booking,
      visits: services.visits,
      loyalty: services.loyalty,
      clientCard: clientCardReader({ ...services, db: this.t.db }),
      staff: this.staff,
      backups: this.backups,
    };
    this.app = await buildServer(this.serverDeps);
    this.url = await this.app.listen({ port: 0, host: '127.0.0.1' });
    return this;
  }

  /** A staff account; a manager works in `branchId`, else the first branch (made if none). */
  async addStaff(role: StaffRole, locale = 'en', branchId?: string): Promise<string> {
    const email = `${role}-${Math.random().toString(36).slice(2, 8)}@salon.test`;
    await this.staff.create(
      {
        email,
        displayName: role,
        role,
        password: PASSWORD,
        locale,
        branchId: role === 'manager' ? (branchId ?? (await this.firstBranch())) : null,
      },
      { type: 'system', id: null },
    );
    return email;
  }

  private async firstBranch(): Promise<string> {
    const found = await this.t.db
      .selectFrom('branches')
      .select('id')
      .orderBy('created_at')
      .executeTakeFirst();
    if (found) return found.id;
    // Named like the fallback for "the salon's first branch", so texts read as with none.
    return addBranch(this.serverDeps, { name: 'Salon' });
  }

  /** Logs in over HTTP as a browser would (same-origin form post); returns the session cookie. */
  async login(email: string, password = PASSWORD): Promise<string> {
    const response = await fetch(`${this.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.url },
      body: new URLSearchParams({ email, password }).toString(),
    });
    const cookie = response.headers.get('set-cookie') ?? '';
    if (response.status !== 302 || !cookie.includes('clientele_session=')) {
      throw new Error(`login as ${email} failed: ${response.status}`);
    }
    return cookie.split(';')[0] ?? '';
  }

  /** A browser page logged in as `email`, 1280 px wide, in `locale`. */
  async browserLogin(browser: Browser, email: string, locale = 'en'): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    // Generous on a loaded machine; a step that never comes still fails.
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    await page.goto(`${this.url}/admin/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', PASSWORD);
    await page.locator('form button').click();
    await page.waitForURL(`${this.url}/admin`);
    return page;
  }

  /** The id of the staff account with this e-mail. */
  async staffId(email: string): Promise<string> {
    return (
      await this.t.db
        .selectFrom('staff_users')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirstOrThrow()
    ).id;
  }

  /** A GET as the panel's pages make it: API paths as a script call from the panel itself. */
  async get(path: string, cookie?: string): Promise<Response> {
    const fromPanel: Record<string, string> = path.startsWith('/admin/api/')
      ? { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }
      : {};
    return fetch(`${this.url}${path}`, {
      redirect: 'manual',
      headers: { ...fromPanel, ...(cookie ? { cookie } : {}) },
    });
  }

  async tearDown(): Promise<void> {
    await this.app?.close();
    await this.t?.drop();
  }
}
