import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/bot/i18n.js';
import type { StaffRole } from '../../src/db/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import { InvalidInputError, NotFoundError } from '../../src/domain/errors.js';
import { StaffRuleError } from '../../src/domain/staff/staff-rules.js';
import { StaffService } from '../../src/domain/staff/staff-service.js';
import { createServices } from '../../src/runtime.js';
import { captureLogger, silentLogger, testCrypto } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const PASSWORD = 'a long enough password';

/** The error a call fails with, or undefined. */
async function failure(run: Promise<unknown>): Promise<unknown> {
  return run.then(
    () => undefined,
    (e: unknown) => e,
  );
}

function expectRule(err: unknown, field: string, code: string) {
  expect(err, `${field} ${code}`).toBeInstanceOf(InvalidInputError);
  expect(err).toMatchObject({ field, code });
}

describe('staff management: update and the rules on owners', () => {
  let t: TestDatabase;
  let staff: StaffService;
  let log: () => string;
  let branch = '';
  let counter = 0;

  async function add(role: StaffRole, extra: { active?: boolean } = {}) {
    counter += 1;
    const { user } = await staff.create(
      {
        email: `${role}${counter}@salon.test`,
        displayName: `${role} ${counter}`,
        role,
        password: PASSWORD,
        branchId: role === 'manager' ? branch : null,
      },
      SYSTEM,
    );
    if (extra.active === false)
      await t.db
        .updateTable('staff_users')
        .set({ active: false })
        .where('id', '=', user.id)
        .execute();
    return { ...user, actor: { type: 'staff', id: user.id, ip: '127.0.0.1' } as Actor };
  }

  beforeAll(async () => {
    t = await createTestDatabase('staffmgmt');
    const captured = captureLogger();
    log = captured.output;
    staff = new StaffService({
      db: t.db,
      crypto: await testCrypto(),
      logger: captured.logger,
      translate: createTranslator(),
      clock: () => new Date(), // these tests run on the real clock, as the database's now() does
    });
    const s = createServices({ db: t.db, crypto: await testCrypto(), logger: silentLogger });
    branch = (await seedSalon(s, { masters: [] })).branch;
  });
  afterAll(() => t.drop());

  it('changes name, role, branch, locale and activity, auditing field names and the role', async () => {
    const owner = await add('owner');
    const person = await add('master');
    const updated = await staff.update(
      person.id,
      { displayName: '  Ольга Петрова ', role: 'manager', branchId: branch, locale: 'en' },
      owner.actor,
    );
    expect(updated).toMatchObject({
      displayName: 'Ольга Петрова',
      role: 'manager',
      branchId: branch,
      locale: 'en',
      active: true,
      email: person.email,
    });
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('entity_id', '=', person.id)
      .where('action', '=', 'update')
      .executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(owner.id);
    expect(audit.details).toEqual({
      fields: ['display_name', 'role', 'branch_id', 'locale'],
      role: { from: 'master', to: 'manager' },
    });
    // Nothing changed: nothing written.
    await staff.update(person.id, { displayName: 'Ольга Петрова', branchId: branch }, owner.actor);
    expect(
      (
        await t.db
          .selectFrom('audit_log')
          .select('id')
          .where('entity_id', '=', person.id)
          .where('action', '=', 'update')
          .execute()
      ).length,
    ).toBe(1);
    // A manager keeps a branch (finding 7 of issue #17); in another role it can be taken away.
    expectRule(
      await failure(staff.update(person.id, { branchId: null }, owner.actor)),
      'branchId',
      'required',
    );
    expect(
      (await staff.update(person.id, { role: 'master', branchId: null }, owner.actor)).branchId,
    ).toBeNull();
    expect(log()).not.toContain('Ольга');
    expect(log()).not.toContain(person.email);
  });

  it('refuses bad, empty, huge and hostile input on the right field', async () => {
    const owner = await add('owner');
    const person = await add('analyst');
    const bad: [Parameters<StaffService['update']>[1], string][] = [
      [{ displayName: '' }, 'displayName'],
      [{ displayName: '   ' }, 'displayName'],
      [{ displayName: 'x'.repeat(10_000) }, 'displayName'],
      [{ displayName: 42 as unknown as string }, 'displayName'],
      [{ role: 'root' as StaffRole }, 'role'],
      [{ role: '' as StaffRole }, 'role'],
      [{ role: '<script>alert(1)</script>' as StaffRole }, 'role'],
      [{ locale: 'de' }, 'locale'],
      [{ locale: '' }, 'locale'],
      [{ branchId: '00000000-0000-4000-8000-000000000000' }, 'branchId'],
      [{ branchId: "1' OR '1'='1" }, 'branchId'],
      [{ branchId: 'x'.repeat(10_000) }, 'branchId'],
      [{ active: 'no' as unknown as boolean }, 'active'],
    ];
    for (const [patch, field] of bad) {
      const err = await failure(staff.update(person.id, patch, owner.actor));
      expect(err, JSON.stringify(patch).slice(0, 60)).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe(field);
    }
    // Markup is refused in a name (#17, finding 5); control and bidi characters are removed.
    const markup = await failure(
      staff.update(person.id, { displayName: '<script>alert(1)</script>' }, owner.actor),
    );
    expect(markup).toMatchObject({ field: 'displayName', code: 'format' });
    const odd = await staff.update(
      person.id,
      { displayName: 'Olga \u00abO\u2019Neil\u00bb & Co\u202e\u0007' },
      owner.actor,
    );
    expect(odd.displayName).toBe('Olga \u00abO\u2019Neil\u00bb & Co');
    for (const id of ['', 'not-a-uuid', "1' OR '1'='1", '00000000-0000-4000-8000-000000000000'])
      await expect(staff.update(id, { displayName: 'x' }, owner.actor)).rejects.toThrow(
        NotFoundError,
      );
    const creates: [Parameters<StaffService['create']>[0], string][] = [
      [{ email: 'a@salon.test', displayName: 'x'.repeat(10_000), role: 'master' }, 'displayName'],
      [{ email: 'b@salon.test', displayName: 'x', role: 'master', locale: 'fr' }, 'locale'],
      [
        {
          email: 'c@salon.test',
          displayName: 'x',
          role: 'master',
          branchId: '00000000-0000-4000-8000-000000000000',
        },
        'branchId',
      ],
      [{ email: 'd@salon.test', displayName: 'x', role: 'master', branchId: 'bad' }, 'branchId'],
      [{ email: '<script>@salon.test', displayName: 'x', role: 'master' }, 'email'],
      [{ email: '', displayName: 'x', role: 'master' }, 'email'],
    ];
    for (const [input, field] of creates) {
      const err = await failure(staff.create(input, owner.actor));
      expect(err, field).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe(field);
    }
    const made = await staff.create(
      { email: 'with-branch@salon.test', displayName: 'B', role: 'master', branchId: branch },
      owner.actor,
    );
    expect(made.user).toMatchObject({ branchId: branch, mustChangePassword: true });
  });

  it('an admin may not create, edit, reset or link an owner, nor make anyone an owner', async () => {
    const admin = await add('admin');
    const owner = await add('owner');
    const master = await add('master');
    expectRule(
      await failure(
        staff.create(
          { email: 'new-owner@salon.test', displayName: 'N', role: 'owner' },
          admin.actor,
        ),
      ),
      'role',
      'owner-only',
    );
    expectRule(
      await failure(staff.update(owner.id, { displayName: 'Renamed' }, admin.actor)),
      'role',
      'owner-only',
    );
    expectRule(
      await failure(staff.update(master.id, { role: 'owner' }, admin.actor)),
      'role',
      'owner-only',
    );
    expectRule(
      await failure(staff.resetPassword(owner.email, admin.actor)),
      'record',
      'owner-only',
    );
    expectRule(
      await failure(staff.createLinkCode(owner.email, admin.actor)),
      'record',
      'owner-only',
    );
    expect(await staff.getById(owner.id)).toMatchObject({ displayName: owner.displayName });
    expect(
      await t.db
        .selectFrom('staff_link_tokens')
        .select('token_hash')
        .where('staff_user_id', '=', owner.id)
        .execute(),
    ).toEqual([]);
    // …but manages everyone else.
    await staff.update(master.id, { role: 'analyst' }, admin.actor);
    expect(await staff.resetPassword(master.email, admin.actor)).toMatch(/\S{12,}/);
    await staff.createLinkCode(master.email, admin.actor);
    await staff.create(
      { email: 'new-admin@salon.test', displayName: 'A', role: 'admin' },
      admin.actor,
    );
    // An owner manages owners.
    await staff.update(master.id, { role: 'owner' }, owner.actor);
    await staff.resetPassword(master.email, owner.actor);
  });

  it('refuses roles without the right and staff who are gone', async () => {
    const master = await add('master');
    const manager = await add('manager');
    const gone = await add('owner', { active: false });
    for (const actor of [master.actor, manager.actor, gone.actor, { type: 'client', id: null }]) {
      expectRule(
        await failure(staff.update(master.id, { displayName: 'x' }, actor as Actor)),
        'record',
        'not-allowed',
      );
      expectRule(
        await failure(
          staff.create(
            { email: 'nope@salon.test', displayName: 'x', role: 'master' },
            actor as Actor,
          ),
        ),
        'record',
        'not-allowed',
      );
    }
  });

  it('nobody changes their own role or deactivates themselves', async () => {
    const owner = await add('owner');
    await add('owner');
    const admin = await add('admin');
    expectRule(
      await failure(staff.update(owner.id, { role: 'admin' }, owner.actor)),
      'role',
      'self',
    );
    expectRule(
      await failure(staff.update(owner.id, { active: false }, owner.actor)),
      'active',
      'self',
    );
    expectRule(
      await failure(staff.update(admin.id, { role: 'manager' }, admin.actor)),
      'role',
      'self',
    );
    expectRule(
      await failure(staff.update(admin.id, { active: false }, admin.actor)),
      'active',
      'self',
    );
    // Their own name and language they may change; an unchanged role is no change.
    expect(
      await staff.update(admin.id, { displayName: 'Me', role: 'admin', locale: 'en' }, admin.actor),
    ).toMatchObject({ displayName: 'Me', role: 'admin', locale: 'en' });
  });

  it('deactivation ends the panel sessions of that person only, and can be undone', async () => {
    const owner = await add('owner');
    const person = await add('manager');
    const session = (id: string, sid: string) => ({
      sid,
      data: JSON.stringify({ cookie: {}, adminUser: { id, role: 'manager' } }),
      expires_at: new Date(Date.now() + 3_600_000),
    });
    await t.db
      .insertInto('admin_sessions')
      .values([session(person.id, 's1'), session(person.id, 's2'), session(owner.id, 's3')])
      .execute();
    await staff.update(person.id, { active: false }, owner.actor);
    expect(
      (await t.db.selectFrom('admin_sessions').select('sid').execute()).map((s) => s.sid),
    ).toEqual(['s3']);
    expect((await staff.getById(person.id))?.active).toBe(false);
    const audit = await t.db
      .selectFrom('audit_log')
      .select('details')
      .where('entity_id', '=', person.id)
      .where('action', '=', 'update')
      .executeTakeFirstOrThrow();
    expect(audit.details).toEqual({ fields: ['active'] });
    expect((await staff.update(person.id, { active: true }, owner.actor)).active).toBe(true);
  });

  it('the last active owner is never deactivated or demoted, even by two demotions at once', async () => {
    await t.db
      .updateTable('staff_users')
      .set({ active: false })
      .where('role', '=', 'owner')
      .execute();
    const a = await add('owner');
    const b = await add('owner');
    // The system (the CLI) is bound by the rule too.
    const results = await Promise.allSettled([
      staff.update(a.id, { role: 'admin' }, b.actor),
      staff.update(b.id, { role: 'admin' }, a.actor),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(StaffRuleError);
    const owners = await t.db
      .selectFrom('staff_users')
      .select('id')
      .where('role', '=', 'owner')
      .where('active', '=', true)
      .execute();
    expect(owners).toHaveLength(1);
    const last = owners[0]?.id ?? '';
    const other = last === a.id ? b : a;
    expect(other.id).not.toBe(last);
    expectRule(await failure(staff.update(last, { role: 'admin' }, SYSTEM)), 'role', 'last-owner');
    expectRule(
      await failure(staff.update(last, { active: false }, SYSTEM)),
      'active',
      'last-owner',
    );
    // Two deactivations at once by the system: one passes at most.
    const c = await add('owner');
    const both = await Promise.allSettled([
      staff.update(last, { active: false }, SYSTEM),
      staff.update(c.id, { active: false }, SYSTEM),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      await t.db
        .selectFrom('staff_users')
        .select('id')
        .where('role', '=', 'owner')
        .where('active', '=', true)
        .execute(),
    ).toHaveLength(1);
  });

  it('keeps names, e-mails and passwords out of the audit log', async () => {
    const rows = await t.db.selectFrom('audit_log').select('details').execute();
    const text = JSON.stringify(rows);
    expect(text).not.toMatch(/@salon\.test|Ольга|password|<script>/);
    expect(log()).not.toContain(PASSWORD);
  });
});
