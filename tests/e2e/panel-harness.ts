import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { clientCard } from '../../src/admin/client-card.js';
import { buildServer } from '../../src/admin/server.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { StaffRole } from '../../src/db/schema.js';
import type { ClientService } from '../../src/domain/clients/client-service.js';
import type { CardService } from '../../src/domain/loyalty/card-service.js';
import type { StaffService } from '../../src/domain/staff/staff-service.js';
import { createServices, type Services } from '../../src/runtime.js';
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

  async get(path: string, cookie?: string): Promise<Response> {
    return fetch(`${this.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  }

  async tearDown(): Promise<void> {
    await this.app?.close();
    await this.t?.drop();
  }
}

/**
 * The salon most panel tests book against: one branch in Moscow, one service, and masters who
 * work it every day (09:00–21:00 unless told otherwise). Returns their ids in the given order.
 */
export async function seedPanelSalon(
  s: Services,
  options: {
    service?: { name: string; category: string; durationMin: number; price: number };
    masters: { name: string; staffUserId?: string }[];
    hours?: { start: string; end: string };
  },
): Promise<{ branch: string; service: string; masters: string[] }> {
  const system = { type: 'system' as const, id: null };
  const branch = await s.catalogue.createBranch(
    { name: 'Центр', timeZone: 'Europe/Moscow' },
    system,
  );
  const service = await s.catalogue.createService(
    options.service ?? { name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 1000 },
    system,
  );
  const hours = options.hours ?? { start: '09:00', end: '21:00' };
  const masters: string[] = [];
  for (const m of options.masters) {
    const id = await s.catalogue.createMaster(
      { branchId: branch, displayName: m.name, staffUserId: m.staffUserId ?? null },
      system,
    );
    await s.catalogue.setMasterServices(id, [{ serviceId: service }], system);
    await s.catalogue.setWeeklyHours(
      id,
      [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ...hours })),
      system,
    );
    masters.push(id);
  }
  return { branch, service, masters };
}
