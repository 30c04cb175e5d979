import type { AdminJSOptions } from 'adminjs';
import type { Kysely } from 'kysely';
import type { Crypto } from '../../../crypto/crypto.js';
import type { Database } from '../../../db/schema.js';
import type { ClientService } from '../../../domain/clients/client-service.js';
import { feedbackInbox, scoreDistribution } from '../../../domain/feedback/feedback-inbox.js';
import { salonTimeZone } from '../../../domain/salon-zone.js';
import { getSetting } from '../../../domain/settings.js';
import type { Clock } from '../../../domain/shared/clock.js';
import { staffScope } from '../../../domain/staff/staff-scope.js';
import {
  type BranchDay,
  type TodayScope,
  type UpcomingBirthday,
  upcomingBirthdays,
  visitsToday,
} from '../../../domain/today/today.js';
import { can, canOpenPage, isPanelUser } from '../access.js';
import { Components } from '../components/loader.js';
import { type Masked, maskSmall } from './analytics-privacy.js';
import { FEEDBACK_PAGE } from './feedback-page.js';
import { PageForbiddenError, type PageRequest, staffActor } from './page-input.js';

const LOW_SHOWN = 5;

/** What the start page shows a role; a part the role may not have is null. */
export interface TodayData {
  zone: string;
  birthdays: UpcomingBirthday[] | null;
  lowScores: {
    unhandled: Masked;
    items:
      | { id: string; score: number; client: string | null; master: string | null; at: string }[]
      | null;
  } | null;
  visits: { branchId: string; branch: string; visits: Record<string, Masked> }[];
}

/**
 * The staff start page (AdminJS's dashboard): birthdays in the next week and low scores nobody
 * has handled for those who see clients; today's visits per branch for everyone, in their scope
 * (a manager their branch, a master their own visits); analysts get counts, small ones as "<5".
 */
export function todayDashboard(deps: {
  db: Kysely<Database>;
  crypto: Crypto;
  clients: ClientService;
  clock?: Clock;
}): NonNullable<AdminJSOptions['dashboard']> {
  return {
    component: Components.Today,
    handler: async (request, _response, context): Promise<TodayData> => {
      const user = context?.currentAdmin;
      if (!isPanelUser(user)) throw new PageForbiddenError();
      const now = deps.clock?.() ?? new Date();
      const actor = staffActor(user, request as PageRequest);
      const staff = await staffScope(deps.db, actor);
      // Those who may list no visits (analysts) get counts only, small ones masked.
      const aggregatesOnly = !can(user, 'Visit', 'list');
      const scope: TodayScope | null =
        staff.kind === 'none' ? (user.role === 'analyst' ? { kind: 'all' } : null) : staff;
      const zone = await salonTimeZone(deps.db);
      const sees = can(user, 'Client', 'list');
      const feedbackScope =
        scope?.kind === 'all'
          ? { branchId: null }
          : scope?.kind === 'branch'
            ? { branchId: scope.branchId }
            : null;

      const days: BranchDay[] = scope ? await visitsToday(deps.db, now, scope) : [];
      let lowScores: TodayData['lowScores'] = null;
      if (feedbackScope && canOpenPage(user, FEEDBACK_PAGE)) {
        const lowAtMost = await getSetting(deps.db, 'feedback.alert_max_score');
        const d = await scoreDistribution(deps.db, {}, feedbackScope, lowAtMost);
        let items: NonNullable<TodayData['lowScores']>['items'] = null;
        if (sees && d.unhandledLow > 0) {
          const page = await feedbackInbox(
            deps.db,
            { crypto: deps.crypto, clients: deps.clients },
            actor,
            { kind: 'rating', state: 'open' },
            feedbackScope,
          );
          items = page.items
            .filter((i) => i.score !== null && i.score <= lowAtMost)
            .slice(0, LOW_SHOWN)
            .map((i) => ({
              id: i.id,
              score: i.score ?? 0,
              client: i.clientName,
              master: i.masterName,
              at: i.createdAt.toISOString(),
            }));
        }
        lowScores = {
          unhandled: aggregatesOnly ? maskSmall(d.unhandledLow) : d.unhandledLow,
          items,
        };
      }
      return {
        zone,
        birthdays: sees ? await upcomingBirthdays(deps.db, deps.crypto, actor, now, zone) : null,
        lowScores,
        visits: days.map((d) => ({
          branchId: d.branchId,
          branch: d.branch,
          visits: Object.fromEntries(
            Object.entries(d.visits).map(([k, n]) => [k, aggregatesOnly ? maskSmall(n) : n]),
          ),
        })),
      };
    },
  };
}
