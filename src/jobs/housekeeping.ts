import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { forgetOldUpdates } from '../domain/updates/processed-updates.js';
import type { JobDefinition } from './start-jobs.js';

/** A run still 'running' after this long belongs to a process that died; it is not re-run. */
export const ABANDONED_AFTER_HOURS = 1;

/**
 * Hourly: expired panel sessions, old update ids and old job records go away, and runs left
 * 'running' by a process that died are marked failed and reported once.
 */
export function housekeepingJob(db: Kysely<Database>): JobDefinition {
  return {
    name: 'housekeeping',
    schedule: '7 * * * *',
    async run({ logger }) {
      const sessions = await db
        .deleteFrom('admin_sessions')
        .where('expires_at', '<', sql<Date>`now()`)
        .executeTakeFirst();
      const updates = await forgetOldUpdates(db, 7);
      const abandoned = await db
        .updateTable('job_runs')
        .set({
          status: 'failed',
          error: 'abandoned: the process stopped during the run',
          finished_at: sql<Date>`now()`,
        })
        .where('status', '=', 'running')
        .where(
          'started_at',
          '<',
          sql<Date>`now() - make_interval(hours => ${ABANDONED_AFTER_HOURS})`,
        )
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
        .where('tick', '<', sql<Date>`now() - interval '90 days'`)
        .executeTakeFirst();
      logger.info(
        {
          sessions: Number(sessions.numDeletedRows),
          updates,
          jobRuns: Number(runs.numDeletedRows),
          abandoned: abandoned.length,
        },
        'housekeeping done',
      );
    },
  };
}
