import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/bot/i18n.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import { passwordScore } from '../../src/crypto/password-strength.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import type { StaffPolicy } from '../../src/domain/staff/staff-policy.js';
import { AuthenticationError } from '../../src/domain/staff/staff-rules.js';
import { StaffService } from '../../src/domain/staff/staff-service.js';
import { salonTime } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const PASSWORD = 'a long enough password';
const WRONG = 'wrong password!!';
const { now: NOW } = salonTime('2026-12-01T10:00:00Z');

/** The policy settings as StaffService sees them: a service per policy, one database. */
describe('staff policy from the settings', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let now = NOW;
  const service = (policy?: Partial<StaffPolicy>) =>
    new StaffService({
      db: t.db,
      crypto,
      logger: silentLogger,
      translate: createTranslator(),
      clock: () => now,
      ...(policy ? { policy } : {}),
    });
  const refusal = (attempt: Promise<unknown>) =>
    attempt.then(
      () => null,
      (err: unknown) => err,
    );

  beforeAll(async () => {
    t = await createTestDatabase('staff_policy');
    crypto = await testCrypto();
  });
  afterAll(() => t.drop());

  it('LOGIN_FREE_FAILURES=3: the 4th wrong attempt from one address waits; the default lets five go', async () => {
    now = NOW;
    const strict = service({ freeFailures: 3 });
    const email = 'three@salon.test';
    await strict.create({ email, displayName: 'Three', role: 'admin', password: PASSWORD }, SYSTEM);
    for (let i = 0; i < 3; i++)
      expect(await refusal(strict.authenticate(email, WRONG, '203.0.113.3'))).toBeInstanceOf(
        AuthenticationError,
      );
    // The 4th attempt from that address is turned away, right password or not, and logged so.
    expect(await refusal(strict.authenticate(email, PASSWORD, '203.0.113.3'))).toBeInstanceOf(
      AuthenticationError,
    );
    const pair = await t.db
      .selectFrom('login_throttle')
      .selectAll()
      .where('ip', '=', '203.0.113.3')
      .executeTakeFirstOrThrow();
    expect(pair.failures).toBe(3);
    expect(pair.next_allowed_at?.getTime()).toBe(NOW.getTime() + 2000);
    const throttled = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'login_throttled')
      .execute();
    expect(throttled).toHaveLength(1);
    // Only that address waits; and once its wait is over, it may try again.
    expect((await strict.authenticate(email, PASSWORD, '198.51.100.3')).email).toBe(email);
    now = new Date(NOW.getTime() + 2001);
    expect((await strict.authenticate(email, PASSWORD, '203.0.113.3')).email).toBe(email);

    // The same four attempts under the default policy: the 4th, with the right password, passes.
    now = NOW;
    const usual = service();
    const other = 'five@salon.test';
    await usual.create(
      { email: other, displayName: 'Five', role: 'admin', password: PASSWORD },
      SYSTEM,
    );
    for (let i = 0; i < 3; i++)
      await expect(usual.authenticate(other, WRONG, '203.0.113.5')).rejects.toThrow(
        AuthenticationError,
      );
    expect((await usual.authenticate(other, PASSWORD, '203.0.113.5')).email).toBe(other);
  });

  it('LOGIN_MAX_DELAY_MINUTES=1: the wait doubles up to a minute and no further', async () => {
    now = NOW;
    const short = service({ freeFailures: 3, maxDelaySeconds: 60 });
    const email = 'minute@salon.test';
    await short.create({ email, displayName: 'M', role: 'admin', password: PASSWORD }, SYSTEM);
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      await expect(short.authenticate(email, WRONG, '203.0.113.60')).rejects.toThrow(
        AuthenticationError,
      );
      const pair = await t.db
        .selectFrom('login_throttle')
        .select('next_allowed_at')
        .where('ip', '=', '203.0.113.60')
        .executeTakeFirstOrThrow();
      const until = pair.next_allowed_at;
      waits.push(until ? (until.getTime() - now.getTime()) / 1000 : 0);
      // The next try comes when the wait is over, so every one counts as a failure.
      if (until) now = until;
    }
    expect(waits).toEqual([0, 0, 2, 4, 8, 16, 32, 60, 60]);
  });

  it('LOGIN_ACCOUNT_CEILING=10: past 10 failures an hour, unfamiliar addresses share one pace', async () => {
    now = NOW;
    const low = service({ accountCeiling: 10 });
    const email = 'ceiling@salon.test';
    await low.create({ email, displayName: 'C', role: 'admin', password: PASSWORD }, SYSTEM);
    // The holder's own address, familiar from a login before the attack.
    expect((await low.authenticate(email, PASSWORD, '192.0.2.1')).email).toBe(email);
    for (let i = 0; i < 10; i++)
      await expect(low.authenticate(email, WRONG, `198.18.0.${i + 1}`)).rejects.toThrow(
        AuthenticationError,
      );
    // The first new address takes the pace slot; the next one, in the same 10 s, waits.
    await expect(low.authenticate(email, WRONG, '198.18.1.1')).rejects.toThrow(AuthenticationError);
    expect(await refusal(low.authenticate(email, PASSWORD, '198.18.1.2'))).toBeInstanceOf(
      AuthenticationError,
    );
    expect((await low.authenticate(email, PASSWORD, '192.0.2.1')).email).toBe(email);
    // Under the default ceiling (30) those 11 failures hold nobody back.
    expect((await service().authenticate(email, PASSWORD, '198.18.1.3')).email).toBe(email);
  });

  it('PASSWORD_MIN_SCORE=4 refuses a score-3 password the default takes', async () => {
    const related = ['score@salon.test', 'score', 'Score Person'];
    expect(await passwordScore('copper lantern', related)).toBe(3);
    expect(await passwordScore('plum violin seventy', related)).toBe(4);
    const strict = service({ passwordMinScore: 4 });
    const { user } = await strict.create(
      { email: 'score@salon.test', displayName: 'Score Person', role: 'admin', password: PASSWORD },
      SYSTEM,
    );
    const actor = { type: 'staff' as const, id: user.id, ip: null };
    const error = await refusal(
      strict.changePassword(user.id, PASSWORD, 'copper lantern', actor, null),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'password', code: 'weak' });
    await strict.changePassword(user.id, PASSWORD, 'plum violin seventy', actor, null);
    await service().changePassword(user.id, 'plum violin seventy', 'copper lantern', actor, null);
    expect((await service().authenticate('score@salon.test', 'copper lantern', null)).id).toBe(
      user.id,
    );
  });

  it('PASSWORD_MIN_LENGTH=20 refuses a shorter password, but not a generated one-time one', async () => {
    const long = service({ passwordMinLength: 20 });
    const sixteen = 'sunny mango tree';
    expect(
      await refusal(
        long.create(
          { email: 'len@salon.test', displayName: 'Len', role: 'admin', password: sixteen },
          SYSTEM,
        ),
      ),
    ).toMatchObject({ field: 'password', code: 'too-short' });
    const { user, password } = await long.create(
      { email: 'len@salon.test', displayName: 'Len', role: 'admin' },
      SYSTEM,
    );
    const actor = { type: 'staff' as const, id: user.id, ip: null };
    expect(
      await refusal(long.changePassword(user.id, password, sixteen, actor, null)),
    ).toMatchObject({ field: 'password', code: 'too-short' });
    await service().changePassword(user.id, password, sixteen, actor, null);
    expect(long.policy.passwordMinLength).toBe(20);
    expect(service().policy.passwordMinLength).toBe(12);
  });
});
