import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/bot/i18n.js';
import { ConflictError, InvalidInputError } from '../../src/domain/errors.js';
import { AuthenticationError, INITIAL_OWNER_EMAIL } from '../../src/domain/staff/staff-rules.js';
import { StaffService } from '../../src/domain/staff/staff-service.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const PASSWORD = 'a long enough password';

describe('staff accounts', () => {
  let t: TestDatabase;
  let staff: StaffService;
  beforeAll(async () => {
    t = await createTestDatabase('staff');
    staff = new StaffService({
      db: t.db,
      crypto: await testCrypto(),
      logger: silentLogger,
      translate: createTranslator(),
      clock: () => new Date(), // these tests run on the real clock, as the database's now() does
    });
  });
  afterAll(() => t.drop());

  it('creates the initial owner once, even when replicas race', async () => {
    const results = await Promise.all([
      staff.ensureInitialOwner(),
      staff.ensureInitialOwner(),
      staff.ensureInitialOwner(),
    ]);
    const created = results.filter((r) => r !== null);
    expect(created).toHaveLength(1);
    expect(created[0]?.email).toBe(INITIAL_OWNER_EMAIL);
    expect(await staff.ensureInitialOwner()).toBeNull();
    const owner = await staff.authenticate(
      INITIAL_OWNER_EMAIL,
      created[0]?.password ?? '',
      '127.0.0.1',
    );
    expect(owner).toMatchObject({ role: 'owner', mustChangePassword: true });
  });

  it('creates accounts, refusing bad input', async () => {
    const { user, password } = await staff.create(
      { email: ' Master@Salon.Test ', displayName: 'Ольга', role: 'master' },
      SYSTEM,
    );
    expect(user.email).toBe('master@salon.test');
    expect(password).toMatch(/^[A-Za-z0-9-]{23}$/);
    const bad: [Parameters<StaffService['create']>[0], string][] = [
      [{ email: 'not-an-email', displayName: 'x', role: 'admin', password: PASSWORD }, 'email'],
      [
        { email: `${'a'.repeat(300)}@x.io`, displayName: 'x', role: 'admin', password: PASSWORD },
        'email',
      ],
      [{ email: '<script>@x.io', displayName: 'x', role: 'admin', password: PASSWORD }, 'email'],
      [{ email: 'ok@x.io', displayName: '', role: 'admin', password: PASSWORD }, 'displayName'],
      [{ email: 'ok@x.io', displayName: 'x', role: 'root' as 'admin', password: PASSWORD }, 'role'],
      [{ email: 'ok@x.io', displayName: 'x', role: 'admin', password: 'short' }, 'password'],
      [
        { email: 'ok@x.io', displayName: 'x', role: 'admin', password: 'p'.repeat(300) },
        'password',
      ],
    ];
    for (const [input, field] of bad) {
      const err = await staff.create(input, SYSTEM).catch((e: unknown) => e);
      expect(err, field).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe(field);
    }
    await expect(
      staff.create(
        { email: 'MASTER@salon.test', displayName: 'x', role: 'admin', password: PASSWORD },
        SYSTEM,
      ),
    ).rejects.toThrow(ConflictError);
  });

  it('slows an address after five failures at an account, without locking the account out elsewhere', async () => {
    const email = 'lock@salon.test';
    await staff.create({ email, displayName: 'L', role: 'admin', password: PASSWORD }, SYSTEM);
    for (let i = 0; i < 5; i++) {
      await expect(staff.authenticate(email, 'wrong password!!', '203.0.113.9')).rejects.toThrow(
        AuthenticationError,
      );
    }
    // The same answer as a wrong password, even with the right one, from the failing address.
    await expect(staff.authenticate(email, PASSWORD, '203.0.113.9')).rejects.toThrow(
      AuthenticationError,
    );
    expect((await staff.authenticate(email, PASSWORD, '198.51.100.7')).email).toBe(email);
    await t.db
      .updateTable('login_throttle')
      .set({ next_allowed_at: new Date(Date.now() - 1000) })
      .where('ip', '=', '203.0.113.9')
      .execute();
    expect((await staff.authenticate(email, PASSWORD, '203.0.113.9')).email).toBe(email);
    await expect(staff.authenticate('nobody@salon.test', PASSWORD, null)).rejects.toThrow(
      AuthenticationError,
    );
    await expect(staff.authenticate('garbage', PASSWORD, null)).rejects.toThrow(
      AuthenticationError,
    );
    await expect(staff.authenticate(email, 'x'.repeat(100_000), null)).rejects.toThrow(
      AuthenticationError,
    );
    await expect(staff.authenticate(email, `${PASSWORD}${'x'.repeat(300)}`, null)).rejects.toThrow(
      AuthenticationError,
    );
  });

  it('resets a password to a new one-time password', async () => {
    const email = 'reset@salon.test';
    await staff.create({ email, displayName: 'R', role: 'analyst', password: PASSWORD }, SYSTEM);
    const fresh = await staff.resetPassword(email, SYSTEM);
    await expect(staff.authenticate(email, PASSWORD, null)).rejects.toThrow(AuthenticationError);
    expect((await staff.authenticate(email, fresh, null)).mustChangePassword).toBe(true);
    await expect(staff.resetPassword('missing@salon.test', SYSTEM)).rejects.toThrow();
  });

  it('rehashes a password made with old parameters at login', async () => {
    const email = 'rehash@salon.test';
    await staff.create({ email, displayName: 'H', role: 'analyst', password: PASSWORD }, SYSTEM);
    const sodium = (await import('libsodium-wrappers-sumo')).default;
    await sodium.ready;
    const weak = sodium.crypto_pwhash_str(PASSWORD, 1, 8 * 1024 * 1024);
    await t.db
      .updateTable('staff_users')
      .set({ password_hash: weak })
      .where('email', '=', email)
      .execute();
    await staff.authenticate(email, PASSWORD, null);
    const row = await t.db
      .selectFrom('staff_users')
      .select('password_hash')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).not.toBe(weak);
    expect(row.password_hash).toMatch(/m=65536/);
  });
});
