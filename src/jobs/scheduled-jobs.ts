import { refreshAnalyticsSummary } from '../domain/analytics/summary.js';
import type { GreetingService } from '../domain/greetings/greeting-service.js';
import type { Clock } from '../domain/shared/clock.js';
import type { Db } from '../domain/shared/transaction.js';
import type { VisitService } from '../domain/visits/visit-service.js';
import type { JobDefinition } from './start-jobs.js';

/**
 * Every five minutes: reminders that fell due. Running twice, or on two replicas, sends nothing
 * twice: each reminder has its own dedupe key in the outbox.
 */
export function remindersJob(visits: VisitService, clock: Clock): JobDefinition {
  return {
    name: 'reminders',
    schedule: '*/5 * * * *',
    async run({ logger }) {
      const queued = await visits.queueReminders(clock());
      if (queued > 0) logger.info({ queued }, 'reminders queued');
    },
  };
}

/** Every fifteen minutes: masters whose local agenda hour has come get the day's visits, once. */
export function agendasJob(visits: VisitService, clock: Clock): JobDefinition {
  return {
    name: 'agendas',
    schedule: '*/15 * * * *',
    async run({ logger }) {
      const queued = await visits.queueAgendas(clock());
      if (queued > 0) logger.info({ queued }, 'agendas queued');
    },
  };
}

/**
 * Every fifteen minutes: birthday, holiday and win-back greetings for the branches whose local
 * greeting hour has come; each client gets each greeting once.
 */
export function greetingsJob(greetings: GreetingService, clock: Clock): JobDefinition {
  return {
    name: 'greetings',
    schedule: '*/15 * * * *',
    async run({ logger }) {
      const now = clock();
      const birthdays = await greetings.runBirthdays(now);
      const holidays = await greetings.runHolidays(now);
      const winback = await greetings.runWinback(now);
      if (birthdays + holidays + winback > 0)
        logger.info({ birthdays, holidays, winback }, 'greetings queued');
    },
  };
}

/**
 * Every five minutes: the analytics summaries catch up with the visits changed since (the months
 * and clients a trigger marked). Repeating a run, or two at once, recomputes nothing twice.
 */
export function analyticsJob(db: Db, clock: Clock): JobDefinition {
  return {
    name: 'analytics',
    schedule: '*/5 * * * *',
    async run({ logger }) {
      const refreshed = await refreshAnalyticsSummary(db, clock());
      if (refreshed > 0) logger.info({ refreshed }, 'analytics summaries refreshed');
    },
  };
}
