import type { AdminPage } from 'adminjs';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { salonStats } from '../../../domain/stats/salon-stats.js';
import { Components } from '../components/loader.js';
import { type PageContext, type PageRequest, pageUser } from './page-input.js';

export const STATS_PAGE = 'stats';

/**
 * The salon in numbers: aggregates only, no one named. All of the page's data comes from this
 * one handler (the analytics screens extend it here).
 */
export function statsPage(deps: { db: Kysely<Database>; now?: () => Date }): AdminPage {
  return {
    component: Components.Stats,
    icon: 'BarChart2',
    handler: async (request: PageRequest, _reply: unknown, context: PageContext) => {
      pageUser(STATS_PAGE, request, context);
      const stats = await salonStats(deps.db, deps.now?.() ?? new Date());
      return { stats };
    },
  };
}
