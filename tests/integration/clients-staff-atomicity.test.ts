import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeClients } from '../../src/domain/clients/client-merge.js';
import { createServices, type Services } from '../../src/runtime.js';
import { salonTime } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

/** 10:30 in Moscow: within the greetings' local hour (10 by default). */
const { zone: ZONE, now: NOW } = salonTime('2026-12-01T10:30');

/**
 * Client, staff and greeting use cases commit all of what they write or nothing: a trigger makes
 * a write after the first fail, and every table they touch is as it was before.
 */
describe('clients, staff and greetings are atomic', () => {
  let t: TestDatabase;
  let s: Services;

  const snapshot = async () => ({
    clients: await t.db
      .selectFrom('clients')
      .select(['id', 'erased_at', 'telegram_user_id', 'phone_bidx', 'notes_enc'])
      .orderBy('id')
      .execute(),
    staff: await t.db
      .selectFrom('staff_users')
      .select(['id', 'email', 'password_hash', 'must_change_password'])
      .orderBy('id')
      .execute(),
    visits: await t.db
      .selectFrom('appointments')
      .select(['id', 'client_id'])
      .orderBy('id')
      .execute(),
    greetings: await t.db.selectFrom('greeting_messages').selectAll().execute(),
    coupons: await t.db.selectFrom('coupons').select('id').execute(),
    outbox: (
      await t.db.selectFrom('outbox').select('dedupe_key').orderBy('dedupe_key').execute()
    ).map((r) => r.dedupe_key),
    audit: (await t.db.selectFrom('audit_log').select('action').orderBy('id').execute()).map(
      (r) => r.action,
    ),
  });

  /** Runs `fn` while writes to `table` matching `when` raise, and returns its error. */
  const failing = async (table: string, when: string, fn: () => Promise<unknown>) => {
    await sql
      .raw(
        `CREATE TRIGGER injected_failure BEFORE INSERT OR UPDATE ON ${table}
         FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION injected_failure()`,
      )
      .execute(t.db);
    try {
      return await fn().then(
        () => null,
        (err: unknown) => err,
      );
    } finally {
      await sql.raw(`DROP TRIGGER injected_failure ON ${table}`).execute(t.db);
    }
  };

  beforeAll(async () => {
    t = await createTestDatabase('clients_staff_atomicity');
    s = createServices({
      db: t.db,
      crypto: await testCrypto(),
      logger: silentLogger,
      clock: () => NOW,
    });
    await sql
      .raw(
        `CREATE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RAISE EXCEPTION 'injected failure on %', TG_TABLE_NAME; END $$`,
      )
      .execute(t.db);
  });

  afterAll(async () => {
    await t?.drop();
  });

  it('a client merge whose last audit entry fails leaves both cards as they were', async () => {
    const kept = await s.clients.create({ name: 'Анна Петрова', phone: '+79160001001' }, SYSTEM);
    const dup = await s.clients.create(
      { name: 'Анна', phone: '+79160001002', notes: 'аллергия на лак', telegramUserId: 7_001 },
      SYSTEM,
    );
    const before = await snapshot();
    const err = await failing('audit_log', "NEW.action = 'merge'", () =>
      mergeClients({ db: t.db, clients: s.clients }, kept.id, dup.id, SYSTEM),
    );
    expect(String(err)).toMatch(/injected failure on audit_log/);
    expect(await snapshot()).toEqual(before);
    expect((await s.clients.findById(dup.id))?.notes).toBe('аллергия на лак');

    // Without the failure the same merge goes through: the test above could have failed.
    await mergeClients({ db: t.db, clients: s.clients }, kept.id, dup.id, SYSTEM);
    expect(await s.clients.findById(dup.id)).toBeNull();
    expect((await s.clients.findById(kept.id))?.telegramUserId).toBe(7_001);
  });

  it('creating a staff account whose audit entry fails creates nobody', async () => {
    const input = {
      email: 'master@a.test',
      displayName: 'Мастер',
      role: 'master' as const,
      branchId: null,
    };
    const before = await snapshot();
    const err = await failing('audit_log', "NEW.entity = 'staff_user'", () =>
      s.staff.create(input, SYSTEM),
    );
    expect(String(err)).toMatch(/injected failure/);
    expect(await snapshot()).toEqual(before);
    const { user } = await s.staff.create(input, SYSTEM);
    expect(user.email).toBe('master@a.test');
  });

  it('a password reset whose audit entry fails keeps the old password and sessions', async () => {
    const { user, password } = await s.staff.create(
      { email: 'admin@a.test', displayName: 'Админ', role: 'admin', branchId: null },
      SYSTEM,
    );
    await t.db
      .insertInto('admin_sessions')
      .values({
        sid: 'session-of-admin',
        data: JSON.stringify({ adminUser: { id: user.id } }),
        expires_at: DateTime.fromJSDate(NOW).plus({ days: 1 }).toJSDate(),
      })
      .execute();
    const before = await snapshot();
    const err = await failing('audit_log', "NEW.action = 'reset_password'", () =>
      s.staff.resetPassword('admin@a.test', SYSTEM),
    );
    expect(String(err)).toMatch(/injected failure/);
    expect(await snapshot()).toEqual(before);
    const sessions = await t.db.selectFrom('admin_sessions').select('sid').execute();
    expect(sessions.map((r) => r.sid)).toEqual(['session-of-admin']);
    await expect(s.staff.authenticate('admin@a.test', password, null)).resolves.toMatchObject({
      id: user.id,
    });
  });

  it('a birthday greeting whose message fails to queue records no greeting and no coupon', async () => {
    const local = DateTime.fromJSDate(NOW, { zone: ZONE });
    const client = await s.clients.create(
      {
        name: 'Именинница',
        phone: '+79160001003',
        telegramUserId: 7_003,
        birthday: { day: local.day, month: local.month, year: 1990 },
      },
      SYSTEM,
    );
    await t.db
      .updateTable('clients')
      .set({ marketing_opt_in: true })
      .where('id', '=', client.id)
      .execute();
    const before = await snapshot();
    const err = await failing('outbox', "NEW.kind = 'birthday'", () =>
      s.greetings.runBirthdays(NOW),
    );
    expect(String(err)).toMatch(/injected failure on outbox/);
    expect(await snapshot()).toEqual(before);

    // The next run sends it, once: nothing half-written stood in its way.
    expect(await s.greetings.runBirthdays(NOW)).toBe(1);
    expect(await s.greetings.runBirthdays(NOW)).toBe(0);
    const sent = await t.db.selectFrom('greeting_messages').selectAll().execute();
    expect(sent.map((g) => [g.greeting, g.client_id, g.coupon_id !== null])).toEqual([
      ['birthday', client.id, true],
    ]);
  });
});
