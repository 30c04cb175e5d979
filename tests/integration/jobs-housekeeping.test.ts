import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/shared/clock.js';
import { forgetStaleLoginCounts, housekeepingJob } from '../../src/jobs/housekeeping.js';
import { startJobs } from '../../src/jobs/start-jobs.js';
import { createTestClock } from '../helpers/clock.js';
import { captureLogger, silentLogger } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const NEVER = '0 0 1 1 *';

describe('job records and housekeeping', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('jobs_hk');
  });
  afterAll(() => t.drop());

  const runsOf = (job: string) =>
    t.db.selectFrom('job_runs').selectAll().where('job', '=', job).orderBy('tick').execute();

  it('claims a tick to the second and records who ran it', async () => {
    let runs = 0;
    const job = { name: 'claim', schedule: NEVER, run: async () => void runs++ };
    const a = startJobs({ db: t.db, logger: silentLogger, jobs: [job], instanceId: 'replica-a' });
    const b = startJobs({ db: t.db, logger: silentLogger, jobs: [job], instanceId: 'replica-b' });
    // The same scheduled second seen by two replicas with different millisecond clocks.
    expect(await a.runNow('claim', new Date('2026-11-24T10:00:00.120Z'))).toBe('ran');
    expect(await b.runNow('claim', new Date('2026-11-24T10:00:00.870Z'))).toBe('skipped');
    expect(runs).toBe(1);
    const [row] = await runsOf('claim');
    expect(row).toMatchObject({ claimed_by: 'replica-a', status: 'done', error: null });
    expect(row?.tick.toISOString()).toBe('2026-11-24T10:00:00.000Z');
    expect(row?.finished_at?.getTime()).toBeGreaterThanOrEqual(row?.started_at.getTime() ?? 0);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('does not run after stop()', async () => {
    let runs = 0;
    const jobs = startJobs({
      db: t.db,
      logger: silentLogger,
      jobs: [{ name: 'late', schedule: NEVER, run: async () => void runs++ }],
    });
    await jobs.stop();
    await jobs.stop();
    expect(await jobs.runNow('late')).toBe('skipped');
    expect(runs).toBe(0);
    expect(await runsOf('late')).toHaveLength(0);
  });

  it('removes job records older than 90 days and keeps newer ones', async () => {
    await t.db
      .insertInto('job_runs')
      .values([
        { job: 'aged', tick: sql<Date>`now() - interval '91 days'`, claimed_by: 'x' },
        { job: 'aged', tick: sql<Date>`now() - interval '89 days'`, claimed_by: 'x' },
      ])
      .execute();
    await sql`UPDATE job_runs SET status = 'done', finished_at = tick WHERE job = 'aged'`.execute(
      t.db,
    );
    const jobs = startJobs({
      db: t.db,
      logger: silentLogger,
      jobs: [housekeepingJob(t.db, systemClock)],
    });
    expect(await jobs.runNow('housekeeping')).toBe('ran');
    await jobs.stop();
    const left = await runsOf('aged');
    expect(left).toHaveLength(1);
    expect(Date.now() - (left[0]?.tick.getTime() ?? 0)).toBeLessThan(90 * 86_400_000);
  });

  it('reports a run abandoned by a dead process once, without re-running it', async () => {
    const crashedTick = new Date('2026-11-24T09:00:00Z');
    const busyTick = new Date('2026-11-24T09:30:00Z');
    await t.db
      .insertInto('job_runs')
      .values([
        {
          job: 'crashy',
          tick: crashedTick,
          claimed_by: 'dead-host:1',
          started_at: sql<Date>`now() - interval '2 hours'`,
        },
        { job: 'crashy', tick: busyTick, claimed_by: 'live-host:2', started_at: sql<Date>`now()` },
      ])
      .execute();
    let runs = 0;
    const { logger, output } = captureLogger('info');
    const jobs = startJobs({
      db: t.db,
      logger,
      jobs: [
        housekeepingJob(t.db, systemClock),
        { name: 'crashy', schedule: NEVER, run: async () => void runs++ },
      ],
    });
    await jobs.runNow('housekeeping', new Date('2026-11-24T10:07:00Z'));
    await jobs.runNow('housekeeping', new Date('2026-11-24T11:07:00Z'));
    expect(await jobs.runNow('crashy', crashedTick)).toBe('skipped');
    await jobs.stop();
    expect(runs).toBe(0);

    const [crashed, busy] = await runsOf('crashy');
    expect(crashed).toMatchObject({ status: 'failed', claimed_by: 'dead-host:1' });
    expect(crashed?.error).toMatch(/^abandoned/);
    expect(crashed?.finished_at).toBeInstanceOf(Date);
    expect(busy).toMatchObject({ status: 'running', error: null, finished_at: null });
    const warnings = output()
      .split('\n')
      .filter((l) => l.includes('abandoned by a process'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"abandonedJob":"crashy"');
    expect(warnings[0]).toContain('"claimedBy":"dead-host:1"');
  });

  it('forgets stale login counts but keeps waits, recent failures and known addresses', async () => {
    const row = (ip: string, set: string) =>
      sql`INSERT INTO login_throttle (account, ip, failures, last_failure_at, next_allowed_at, last_success_at)
          VALUES ('acc', ${ip}, 3, ${sql.raw(set)})`.execute(t.db);
    await row('10.0.0.1', "now() - interval '2 days', now() - interval '2 days', NULL"); // stale
    await row('10.0.0.2', "now() - interval '2 hours', NULL, NULL"); // recent failure
    await row('10.0.0.3', "now() - interval '2 days', now() + interval '5 minutes', NULL"); // waiting
    await row('10.0.0.4', "now() - interval '30 days', NULL, now() - interval '10 days'"); // known
    await row('10.0.0.5', "NULL, NULL, now() - interval '91 days'"); // known long ago
    expect(await forgetStaleLoginCounts(t.db, systemClock())).toBe(2);
    const left = await t.db.selectFrom('login_throttle').select('ip').orderBy('ip').execute();
    expect(left.map((r) => r.ip)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
  });

  it("judges what has expired by its clock, not the machine's", async () => {
    const clock = createTestClock(new Date());
    await t.db.insertInto('processed_updates').values({ update_id: 77 }).execute();
    const jobs = startJobs({
      db: t.db,
      logger: silentLogger,
      clock,
      jobs: [housekeepingJob(t.db, clock)],
    });
    const kept = () =>
      t.db
        .selectFrom('processed_updates')
        .select('update_id')
        .where('update_id', '=', '77')
        .execute();
    clock.advance({ days: 6, hours: 23 });
    expect(await jobs.runNow('housekeeping')).toBe('ran');
    expect(await kept()).toHaveLength(1);
    clock.advance({ hours: 2 });
    expect(await jobs.runNow('housekeeping')).toBe('ran');
    expect(await kept()).toHaveLength(0);
    await jobs.stop();
    const ticks = (await runsOf('housekeeping')).map((r) => r.tick.getTime());
    expect(ticks).toContain(Math.floor(clock().getTime() / 1000) * 1000);
  });
});
