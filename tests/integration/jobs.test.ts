import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/shared/clock.js';
import { housekeepingJob } from '../../src/jobs/housekeeping.js';
import { JobError, startJobs } from '../../src/jobs/start-jobs.js';
import { silentLogger } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const NEVER = '0 0 1 1 *';

describe('jobs', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('jobs');
  });
  afterAll(() => t.drop());

  it('runs a tick once across two instances', async () => {
    let runs = 0;
    const job = { name: 'count', schedule: NEVER, run: async () => void runs++ };
    const a = startJobs({ db: t.db, logger: silentLogger, jobs: [job], instanceId: 'a' });
    const b = startJobs({ db: t.db, logger: silentLogger, jobs: [job], instanceId: 'b' });
    const tick = new Date('2026-11-24T10:00:00Z');
    const results = await Promise.all([
      a.runNow('count', tick),
      b.runNow('count', tick),
      a.runNow('count', tick),
    ]);
    expect(results.filter((r) => r === 'ran')).toHaveLength(1);
    expect(runs).toBe(1);
    expect(await a.runNow('count', new Date('2026-11-24T11:00:00Z'))).toBe('ran');
    expect(runs).toBe(2);
    await Promise.all([a.stop(), b.stop()]);
    await expect(a.runNow('nope')).rejects.toThrow(JobError);
  });

  it('records a failure and keeps going', async () => {
    const jobs = startJobs({
      db: t.db,
      logger: silentLogger,
      jobs: [
        { name: 'boom', schedule: NEVER, run: async () => Promise.reject(new Error('exploded')) },
      ],
    });
    const tick = new Date('2026-11-24T12:00:00Z');
    expect(await jobs.runNow('boom', tick)).toBe('ran');
    const row = await t.db
      .selectFrom('job_runs')
      .selectAll()
      .where('job', '=', 'boom')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', error: 'Error: exploded' });
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(await jobs.runNow('boom', new Date('2026-11-24T12:01:00Z'))).toBe('ran');
    await jobs.stop();
  });

  it('waits for a run in progress on stop and aborts its signal', async () => {
    let release!: () => void;
    let sawAbort = false;
    let aborted!: Promise<void>;
    const jobs = startJobs({
      db: t.db,
      logger: silentLogger,
      jobs: [
        {
          name: 'slow',
          schedule: NEVER,
          run: async ({ signal }) => {
            aborted = new Promise((resolve) =>
              signal.addEventListener('abort', () => resolve(), { once: true }),
            );
            await new Promise<void>((resolve) => {
              release = resolve;
            });
            sawAbort = signal.aborted;
          },
        },
      ],
    });
    const run = jobs.runNow('slow', new Date('2026-11-24T13:00:00Z'));
    await expect.poll(() => typeof release).toBe('function');
    let stopped = false;
    const stopping = jobs.stop().then(() => {
      stopped = true;
    });
    // stop() aborts the run's signal and then waits for it: once the abort is seen, stop() is
    // waiting on the run, which has not finished.
    await aborted;
    expect(stopped).toBe(false);
    release();
    await stopping;
    await run;
    expect(stopped).toBe(true);
    expect(sawAbort).toBe(true);
    const row = await t.db
      .selectFrom('job_runs')
      .select('status')
      .where('job', '=', 'slow')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
  });

  it('fires on its cron schedule', async () => {
    let runs = 0;
    const jobs = startJobs({
      db: t.db,
      logger: silentLogger,
      jobs: [{ name: 'every-second', schedule: '* * * * * *', run: async () => void runs++ }],
    });
    await expect.poll(() => runs, { timeout: 4000 }).toBeGreaterThanOrEqual(1);
    await jobs.stop();
    expect(() =>
      startJobs({
        db: t.db,
        logger: silentLogger,
        jobs: [{ name: 'bad', schedule: 'every day', run: async () => {} }],
      }),
    ).toThrow(JobError);
  });

  it('housekeeping removes only what has expired', async () => {
    await t.db
      .insertInto('admin_sessions')
      .values([
        { sid: 'old', data: '{}', expires_at: new Date(Date.now() - 1000) },
        { sid: 'live', data: '{}', expires_at: new Date(Date.now() + 3_600_000) },
      ])
      .execute();
    await t.db
      .insertInto('processed_updates')
      .values([{ update_id: 1 }, { update_id: 2 }])
      .execute();
    await sql`UPDATE processed_updates SET processed_at = now() - interval '8 days' WHERE update_id = 1`.execute(
      t.db,
    );
    const jobs = startJobs({
      db: t.db,
      logger: silentLogger,
      jobs: [housekeepingJob(t.db, systemClock)],
    });
    await jobs.runNow('housekeeping');
    await jobs.stop();
    expect(
      (await t.db.selectFrom('admin_sessions').select('sid').execute()).map((r) => r.sid),
    ).toEqual(['live']);
    expect(
      (await t.db.selectFrom('processed_updates').select('update_id').execute()).map(
        (r) => r.update_id,
      ),
    ).toEqual(['2']);
  });
});
