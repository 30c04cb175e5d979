import type { FastifyPluginAsync } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import { outboxStats } from '../../domain/outbox/outbox-stats.js';

/**
 * GET /metrics in Prometheus text format, for a bearer token only: the outbox's backlog, lag and
 * failures, and each job's last run. Counts and times only, never personal data.
 */
export function metricsPlugin(deps: {
  db: Kysely<Database>;
  crypto: Crypto;
  token: string;
  clock?: () => Date;
}): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', async (request, reply) => {
      const given = request.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
      if (!deps.crypto.equalSecrets(given, deps.token))
        return reply.code(401).send({ error: 'unauthorized' });
      const now = deps.clock?.() ?? new Date();
      const outbox = await outboxStats(deps.db, now);
      const jobs = await sql<{ job: string; last: Date | null; failed: string }>`
        SELECT job, max(finished_at) FILTER (WHERE status = 'done') AS last,
          count(*) FILTER (WHERE status = 'failed' AND tick > now() - interval '1 day') AS failed
        FROM job_runs GROUP BY job ORDER BY job`.execute(deps.db);
      const lines = [
        '# HELP clientele_outbox_messages Messages in the outbox by status.',
        '# TYPE clientele_outbox_messages gauge',
        ...Object.entries(outbox.byStatus).map(
          ([status, n]) => `clientele_outbox_messages{status="${status}"} ${n}`,
        ),
        '# HELP clientele_outbox_lag_seconds How long the oldest due message has waited.',
        '# TYPE clientele_outbox_lag_seconds gauge',
        `clientele_outbox_lag_seconds ${outbox.lagSeconds.toFixed(1)}`,
        '# HELP clientele_outbox_sent_last_hour Messages sent in the last hour.',
        '# TYPE clientele_outbox_sent_last_hour gauge',
        `clientele_outbox_sent_last_hour ${outbox.sentLastHour}`,
        '# HELP clientele_outbox_dead_last_day Messages given up on in the last day.',
        '# TYPE clientele_outbox_dead_last_day gauge',
        `clientele_outbox_dead_last_day ${outbox.deadLastDay}`,
        '# HELP clientele_job_last_success_timestamp_seconds When each job last finished well.',
        '# TYPE clientele_job_last_success_timestamp_seconds gauge',
        ...jobs.rows.map(
          (j) =>
            `clientele_job_last_success_timestamp_seconds{job="${j.job}"} ${j.last ? Math.floor(new Date(j.last).getTime() / 1000) : 0}`,
        ),
        '# HELP clientele_job_failures_last_day Failed runs per job in the last day.',
        '# TYPE clientele_job_failures_last_day gauge',
        ...jobs.rows.map(
          (j) => `clientele_job_failures_last_day{job="${j.job}"} ${Number(j.failed)}`,
        ),
      ];
      return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
    });
  };
}
