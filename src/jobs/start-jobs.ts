import { hostname } from 'node:os';
import { type Kysely, sql } from 'kysely';
import cron, { type ScheduledTask } from 'node-cron';
import type { Database } from '../db/schema.js';
import { type Clock, systemClock } from '../domain/shared/clock.js';
import type { Logger } from '../logger.js';

export interface JobContext {
  /** The moment this run stands for: the scheduled second, or the clock's time for runNow. */
  tick: Date;
  logger: Logger;
  signal: AbortSignal;
}

export interface JobDefinition {
  name: string;
  /** A cron expression (node-cron: an optional seconds field first). */
  schedule: string;
  timeZone?: string;
  run(ctx: JobContext): Promise<void>;
}

export interface Jobs {
  /**
   * Runs a job for a tick (the clock's time unless given) now, unless some instance already
   * claimed that tick.
   */
  runNow(name: string, tick?: Date): Promise<'ran' | 'skipped'>;
  stop(): Promise<void>;
}

export class JobError extends Error {
  override name = 'JobError';
}

function toSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * node-cron decides when; the database decides who. Each tick is claimed with a row in
 * job_runs (job, tick) before running, so of several replicas exactly one runs it; jobs
 * themselves only enqueue work with dedupe keys, so a re-run after a crash is harmless.
 */
export function startJobs(deps: {
  db: Kysely<Database>;
  logger: Logger;
  jobs: JobDefinition[];
  instanceId?: string;
  /** The time runNow stands for when no tick is given; cron ticks carry their own second. */
  clock?: Clock;
}): Jobs {
  const clock = deps.clock ?? systemClock;
  const instance = deps.instanceId ?? `${hostname()}:${process.pid}`;
  const logger = deps.logger.child({ module: 'jobs' });
  const byName = new Map(deps.jobs.map((j) => [j.name, j]));
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let stopped = false;

  async function claim(job: JobDefinition, tick: Date): Promise<boolean> {
    const row = await deps.db
      .insertInto('job_runs')
      .values({ job: job.name, tick, claimed_by: instance })
      .onConflict((oc) => oc.columns(['job', 'tick']).doNothing())
      .returning('job')
      .executeTakeFirst();
    return row !== undefined;
  }

  async function execute(job: JobDefinition, tick: Date): Promise<'ran' | 'skipped'> {
    if (stopped || !(await claim(job, tick))) return 'skipped';
    const log = logger.child({ job: job.name, tick: tick.toISOString() });
    const work = (async () => {
      let error: string | null = null;
      try {
        await job.run({ tick, logger: log, signal: abort.signal });
      } catch (err) {
        error =
          err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : 'unknown error';
        log.error({ error }, 'job failed');
      }
      await deps.db
        .updateTable('job_runs')
        .set({ status: error ? 'failed' : 'done', error, finished_at: sql`now()` })
        .where('job', '=', job.name)
        .where('tick', '=', tick)
        .execute()
        .catch((err: unknown) => log.error({ error: String(err) }, 'could not record the job run'));
    })();
    running.add(work);
    try {
      await work;
    } finally {
      running.delete(work);
    }
    return 'ran';
  }

  const tasks: ScheduledTask[] = deps.jobs.map((job) => {
    if (!cron.validate(job.schedule))
      throw new JobError(`job ${job.name}: invalid schedule '${job.schedule}'`);
    return cron.schedule(
      job.schedule,
      (ctx) => {
        execute(job, toSecond(ctx.date)).catch((err: unknown) =>
          logger.error({ job: job.name, error: String(err) }, 'could not claim a job run'),
        );
      },
      {
        name: job.name,
        ...(job.timeZone ? { timezone: job.timeZone } : {}),
        suppressMissedWarning: true,
      },
    );
  });
  logger.info({ jobs: deps.jobs.map((j) => j.name) }, 'jobs scheduled');

  return {
    async runNow(name, tick = clock()) {
      const job = byName.get(name);
      if (!job) throw new JobError(`no job named ${name}`);
      return execute(job, toSecond(tick));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const task of tasks) await task.destroy();
      abort.abort();
      await Promise.allSettled([...running]);
      logger.info('jobs stopped');
    },
  };
}
