import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TodayData } from '../../src/admin/panel/pages/today-page.js';
import type { StaffRole } from '../../src/db/schema.js';
import { createServices } from '../../src/runtime.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM } from '../helpers/salon.js';
import { type FeedbackSalon, SECRET, seedFeedback } from './feedback-fixture.js';
import { PanelHarness } from './panel-harness.js';

const BIRTHDAY_NAME = 'Именинница Скорая';

/** The staff start page (AdminJS's dashboard) per role, over the panel's API. */
describe('panel: the "Today" start page', () => {
  const h = new PanelHarness();
  const cookies = new Map<string, string>();
  let salon: FeedbackSalon;
  let birthdayClient = '';

  beforeAll(async () => {
    await h.setUp();
    const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    salon = await seedFeedback(s, h.t.db, h.crypto);
    // The salon's zone is its first branch's (Moscow): a birthday in three days there, one in ten.
    const inThree = DateTime.now().setZone('Europe/Moscow').plus({ days: 3 });
    const inTen = DateTime.now().setZone('Europe/Moscow').plus({ days: 10 });
    birthdayClient = (
      await s.clients.create(
        { name: BIRTHDAY_NAME, birthday: { year: 1990, month: inThree.month, day: inThree.day } },
        SYSTEM,
      )
    ).id;
    await s.clients.create(
      { name: 'Не на этой неделе', birthday: { year: 1991, month: inTen.month, day: inTen.day } },
      SYSTEM,
    );
    // A visit starting now in branch A, booked.
    const now = new Date();
    const service = await h.t.db.selectFrom('services').select('id').executeTakeFirstOrThrow();
    await h.t.db
      .insertInto('appointments')
      .values({
        branch_id: salon.branchA,
        master_id: salon.masterA,
        service_id: service.id,
        client_id: birthdayClient,
        starts_at: now,
        ends_at: new Date(now.getTime() + 3_600_000),
        blocked_until: new Date(now.getTime() + 3_600_000),
        price: 2000,
        channel: 'panel',
        created_at: now,
        updated_at: now,
      })
      .execute();
    const roles: [string, StaffRole, string | undefined][] = [
      ['owner', 'owner', undefined],
      ['managerB', 'manager', salon.branchB],
      ['analyst', 'analyst', undefined],
      ['master', 'master', undefined],
    ];
    for (const [key, role, branch] of roles)
      cookies.set(key, await h.login(await h.addStaff(role, 'en', branch)));
    const masterStaff = await h.t.db
      .selectFrom('staff_users')
      .select('id')
      .where('role', '=', 'master')
      .executeTakeFirstOrThrow();
    await h.t.db
      .updateTable('masters')
      .set({ staff_user_id: masterStaff.id })
      .where('id', '=', salon.masterB)
      .execute();
  }, 120_000);
  afterAll(() => h.tearDown());

  async function today(who: string) {
    const response = await h.get('/admin/api/dashboard', cookies.get(who));
    const text = await response.text();
    return { status: response.status, text, data: JSON.parse(text) as TodayData };
  }

  it('the owner: birthdays in the next seven days, unhandled low scores, visits per branch', async () => {
    const { status, data } = await today('owner');
    expect(status).toBe(200);
    expect(data.birthdays?.map((b) => [b.clientId, b.name, b.inDays])).toEqual([
      [birthdayClient, BIRTHDAY_NAME, 3],
    ]);
    expect(data.lowScores?.unhandled).toBe(2);
    expect(data.lowScores?.items?.map((i) => i.score)).toEqual([1, 2]);
    expect(data.lowScores?.items?.[0]?.client).toBe(SECRET.name);
    const a = data.visits.find((v) => v.branchId === salon.branchA);
    expect(a?.visits).toMatchObject({ booked: 1, done: 0 });
    expect(data.visits.find((v) => v.branchId === salon.branchB)?.visits.booked).toBe(0);
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select('details')
      .where('entity', '=', 'client_birthdays')
      .execute();
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain(BIRTHDAY_NAME);
  });

  it("a manager sees their branch's visits and low scores only", async () => {
    const { data, text } = await today('managerB');
    expect(data.visits.map((v) => v.branchId)).toEqual([salon.branchB]);
    expect(data.lowScores?.unhandled).toBe(0);
    expect(text).not.toContain(SECRET.comment);
  });

  it('a master sees their own branch and visits, no birthdays and no scores', async () => {
    const { data } = await today('master');
    expect(data.birthdays).toBeNull();
    expect(data.lowScores).toBeNull();
    expect(data.visits.map((v) => [v.branchId, v.visits.booked])).toEqual([[salon.branchB, 0]]);
  });

  it('an analyst gets counts only, small ones as "<5", and no one named', async () => {
    const { status, data, text } = await today('analyst');
    expect(status).toBe(200);
    expect(data.birthdays).toBeNull();
    expect(data.lowScores).toEqual({ unhandled: '<5', items: null });
    expect(data.visits.find((v) => v.branchId === salon.branchA)?.visits.booked).toBe('<5');
    for (const secret of [...Object.values(SECRET), BIRTHDAY_NAME, birthdayClient, salon.clientId])
      expect(text).not.toContain(secret);
  });

  it('nobody logged in gets nothing', async () => {
    expect((await h.get('/admin/api/dashboard')).status).toBe(401);
  });
});
