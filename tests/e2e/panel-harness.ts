import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { clientCard } from '../../src/admin/client-card.js';
import { buildServer } from '../../src/admin/server.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { StaffRole } from '../../src/db/schema.js';
import type { ClientService } from '../../src/domain/clients/client-service.js';
import type { CardService } from '../../src/domain/loyalty/card-service.js';
import type { StaffService } from '../../src/domain/staff/staff-service.js';
import { createServices } from '../../src/runtime.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
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

  async setUp(): Promise<this> {
    this.t = await createTestDatabase('panel');
    this.crypto = await testCrypto();
    const services = createServices({ db: this.t.db, crypto: this.crypto, logger: silentLogger });
    this.clients = services.clients;
    this.staff = services.staff;
    this.cards = services.cards;
    this.app = await buildServer({
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
      clientCard: clientCard({ ...services, db: this.t.db }),
      staff: this.staff,
    });
    this.url = await this.app.listen({ port: 0, host: '127.0.0.1' });
    return this;
  }

  async addStaff(role: StaffRole, locale = 'en'): Promise<string> {
    const email = `${role}-${Math.random().toString(36).slice(2, 8)}@salon.test`;
    await this.staff.create(
      { email, displayName: role, role, password: PASSWORD, locale },
      { type: 'system', id: null },
    );
    return email;
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
    const page = await context.newPage();
    await page.goto(`${this.url}/admin/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', PASSWORD);
    await page.locator('form button').click();
    await page.waitForURL(`${this.url}/admin`);
    return page;
  }

  async get(path: string, cookie?: string): Promise<Response> {
    return fetch(`${this.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  }

  async tearDown(): Promise<void> {
    await this.app?.close();
    await this.t?.drop();
  }
}
