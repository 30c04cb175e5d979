import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface UpcomingVisit {
  id: string;
  startsAt: Date;
  timeZone: string;
  service: string;
  master: string;
  branch: string;
}

/** A client's active visits from now on, soonest first. */
export async function upcomingVisits(
  db: Kysely<Database>,
  clientId: string,
  now = new Date(),
): Promise<UpcomingVisit[]> {
  const rows = await db
    .selectFrom('appointments as a')
    .innerJoin('services as s', 's.id', 'a.service_id')
    .innerJoin('masters as m', 'm.id', 'a.master_id')
    .innerJoin('branches as b', 'b.id', 'a.branch_id')
    .select([
      'a.id',
      'a.starts_at',
      'b.time_zone',
      's.name as service',
      'm.display_name as master',
      'b.name as branch',
    ])
    .where('a.client_id', '=', clientId)
    .where('a.status', 'in', ['booked', 'confirmed'])
    .where('a.starts_at', '>=', now)
    .orderBy('a.starts_at')
    .limit(20)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    startsAt: r.starts_at,
    timeZone: r.time_zone,
    service: r.service,
    master: r.master,
    branch: r.branch,
  }));
}
