import { type Kysely, sql } from 'kysely';
import { forgetOldUpdates } from '../bot/processed-updates.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../domain/shared/clock.js';
import type { JobDefinition } from './start-jobs.js';

/** A run still 'running' after this long belongs to a process that died; it is not re-run. */
export const ABANDONED_AFTER_HOURS = 1;

const HOUR_MS = 3_600_000;
const before = (now: Date, hours: number) => new Date(now.getTime() - hours * HOUR_MS);

/**
 * Hourly: expired panel sessions, old update ids, old job records and stale login counts go
 * away, and runs left 'running' by a process that died are marked failed and reported once.
 */
export function housekeepingJob(db: Kysely<Database>, clock: Clock): JobDefinition {
  return {
    name: 'housekeeping',
    schedule: '7 * * * *',
    async run({ logger }) {
      const now = clock();
      const sessions = await db
        .deleteFrom('admin_sessions')
        .where('expires_at', '<', now)
        .executeTakeFirst();
      const updates = await forgetOldUpdates(db, before(now, 7 * 24));
      const abandoned = await db
        .updateTable('job_runs')
        .set({
          status: 'failed',
          error: 'abandoned: the process stopped during the run',
          finished_at: sql<Date>`now()`,
        })
        .where('status', '=', 'running')
        .where('started_at', '<', before(now, ABANDONED_AFTER_HOURS))
        .returning(['job', 'tick', 'claimed_by'])
        .execute();
      for (const run of abandoned) {
        logger.warn(
          { abandonedJob: run.job, tick: run.tick.toISOString(), claimedBy: run.claimed_by },
          'a job run was abandoned by a process that stopped; it is not re-run',
        );
      }
      const runs = await db
        .deleteFrom('job_runs')
        .where('tick', '<', before(now, 90 * 24))
        .executeTakeFirst();
      const throttles = await forgetStaleLoginCounts(db, now);
      logger.info(
        {
          sessions: Number(sessions.numDeletedRows),
          loginCounts: throttles,
          updates,
          jobRuns: Number(runs.numDeletedRows),
          abandoned: abandoned.length,
        },
        'housekeeping done',
      );
    },
  };
}

/**
 * Failure counts of addresses that never logged in are kept a day past their last wait; an
 * address the holder logged in from stays known (never held back) for 90 days after that login.
 */
export async function forgetStaleLoginCounts(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('login_throttle')
    .where((eb) =>
      eb.or([
        eb.and([
          eb('last_success_at', 'is', null),
          eb(sql`coalesce(last_failure_at, '-infinity')`, '<', before(now, 24)),
          eb(sql`coalesce(next_allowed_at, '-infinity')`, '<', now),
        ]),
        eb('last_success_at', '<', before(now, 90 * 24)),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
