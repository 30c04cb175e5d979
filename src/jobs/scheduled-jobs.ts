import type { CampaignService } from '../domain/campaigns/campaign-service.js';
import type { VisitService } from '../domain/visits/visit-service.js';
import type { JobDefinition } from './start-jobs.js';

/**
 * Every five minutes: reminders that fell due. Running twice, or on two replicas, sends nothing
 * twice: each reminder has its own dedupe key in the outbox.
 */
export function remindersJob(visits: VisitService, clock: () => Date): JobDefinition {
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
export function agendasJob(visits: VisitService, clock: () => Date): JobDefinition {
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
export function campaignsJob(campaigns: CampaignService, clock: () => Date): JobDefinition {
  return {
    name: 'campaigns',
    schedule: '*/15 * * * *',
    async run({ logger }) {
      const now = clock();
      const birthdays = await campaigns.runBirthdays(now);
      const holidays = await campaigns.runHolidays(now);
      const winback = await campaigns.runWinback(now);
      if (birthdays + holidays + winback > 0)
        logger.info({ birthdays, holidays, winback }, 'greetings queued');
    },
  };
}
