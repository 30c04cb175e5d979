import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { forgetOldUpdates } from '../domain/updates/processed-updates.js';
import type { JobDefinition } from './start-jobs.js';

/** Hourly: expired panel sessions, old update ids and old job records go away. */
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
      const runs = await db
        .deleteFrom('job_runs')
        .where('tick', '<', sql<Date>`now() - interval '90 days'`)
        .executeTakeFirst();
      logger.info(
        {
          sessions: Number(sessions.numDeletedRows),
          updates,
          jobRuns: Number(runs.numDeletedRows),
        },
        'housekeeping done',
      );
    },
  };
}
