import { sql } from 'kysely';
import type { Db } from '../shared/transaction.js';
import { checkFilters, int, money, ratio } from './period.js';
import { ofBranch, realClient } from './sql-parts.js';
import type { AnalyticsFilters, MasterFigures } from './types.js';

/** A visit is a rebooking when the client books the same master again within this many days. */
export const REBOOKING_DAYS = 60;

/**
 * A4 per master over the period. Visits and revenue are completed visits; the no-show rate is
 * no-shows over visits that were due (completed + no-show); utilisation is the minutes of
 * visits not cancelled over the working minutes of the period's days in the master's branch
 * zone (weekly hours, a date's exception replacing them); rebooking is the share of completed
 * visits followed by another (not cancelled) visit with the same master within 60 days; new
 * clients are those whose first completed visit ever it was. Ratings are of the period's visits.
 */
export async function masterFigures(db: Db, filters: AnalyticsFilters): Promise<MasterFigures[]> {
  const f = checkFilters(filters);
  const { start, end, from, to } = f.period;
  const { rows } = await sql<{
    id: string;
    name: string;
    branch_id: string;
    done: string;
    revenue: string | null;
    no_show: string;
    booked_min: string | null;
    rebooked: string;
    fresh: string;
    ratings: string;
    avg_rating: string | null;
    r1: string;
    r2: string;
    r3: string;
    r4: string;
    r5: string;
    work_min: string | null;
  }>`
    WITH v AS (
      SELECT a.* FROM appointments a
      WHERE a.starts_at >= ${start} AND a.starts_at < ${end}
        AND ${ofBranch(sql`a.branch_id`, f.branchId)} AND ${realClient(sql`a.client_id`)}
    ),
    per AS (
      SELECT v.master_id,
        count(*) FILTER (WHERE v.status = 'done') AS done,
        sum(v.amount_paid) FILTER (WHERE v.status = 'done') AS revenue,
        count(*) FILTER (WHERE v.status = 'no_show') AS no_show,
        sum(extract(epoch FROM v.ends_at - v.starts_at) / 60) FILTER (WHERE v.status <> 'cancelled') AS booked_min,
        count(*) FILTER (WHERE v.status = 'done' AND EXISTS (
          SELECT 1 FROM appointments n WHERE n.client_id = v.client_id AND n.master_id = v.master_id
            AND n.status <> 'cancelled' AND n.starts_at > v.starts_at
            AND n.starts_at <= v.starts_at + make_interval(days => ${REBOOKING_DAYS}))) AS rebooked,
        count(*) FILTER (WHERE v.status = 'done' AND v.client_id IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM appointments e WHERE e.client_id = v.client_id AND e.status = 'done'
            AND (e.starts_at, e.id) < (v.starts_at, v.id))) AS fresh
      FROM v GROUP BY v.master_id
    ),
    fb AS (
      SELECT v.master_id, count(*) AS ratings, avg(fb.score) AS avg_rating,
        count(*) FILTER (WHERE fb.score = 1) AS r1, count(*) FILTER (WHERE fb.score = 2) AS r2,
        count(*) FILTER (WHERE fb.score = 3) AS r3, count(*) FILTER (WHERE fb.score = 4) AS r4,
        count(*) FILTER (WHERE fb.score = 5) AS r5
      FROM visit_feedback fb JOIN v ON v.id = fb.appointment_id GROUP BY v.master_id
    ),
    days AS (
      SELECT m.id AS master_id, d::date AS day
      FROM masters m JOIN branches b ON b.id = m.branch_id,
        generate_series(${from}::date, ${to}::date, interval '1 day') d
      WHERE ${ofBranch(sql`m.branch_id`, f.branchId)}
    ),
    work AS (
      SELECT days.master_id, sum(CASE
        WHEN EXISTS (SELECT 1 FROM schedule_exceptions x WHERE x.master_id = days.master_id AND x.day = days.day)
        THEN (SELECT COALESCE(sum(extract(epoch FROM x.ends - x.starts) / 60), 0) FROM schedule_exceptions x
          WHERE x.master_id = days.master_id AND x.day = days.day AND x.kind = 'hours')
        ELSE (SELECT COALESCE(sum(extract(epoch FROM h.ends - h.starts) / 60), 0) FROM working_hours h
          WHERE h.master_id = days.master_id AND h.weekday = extract(isodow FROM days.day))
        END) AS work_min
      FROM days GROUP BY days.master_id
    )
    SELECT m.id, m.display_name AS name, m.branch_id,
      COALESCE(per.done, 0) AS done, per.revenue, COALESCE(per.no_show, 0) AS no_show,
      per.booked_min, COALESCE(per.rebooked, 0) AS rebooked, COALESCE(per.fresh, 0) AS fresh,
      COALESCE(fb.ratings, 0) AS ratings, fb.avg_rating,
      COALESCE(fb.r1, 0) AS r1, COALESCE(fb.r2, 0) AS r2, COALESCE(fb.r3, 0) AS r3,
      COALESCE(fb.r4, 0) AS r4, COALESCE(fb.r5, 0) AS r5, work.work_min
    FROM masters m
    LEFT JOIN per ON per.master_id = m.id
    LEFT JOIN fb ON fb.master_id = m.id
    LEFT JOIN work ON work.master_id = m.id
    WHERE ${ofBranch(sql`m.branch_id`, f.branchId)} AND (m.active OR per.master_id IS NOT NULL)
    ORDER BY COALESCE(per.revenue, 0) DESC, m.display_name`.execute(db);
  return rows.map((r) => {
    const visits = int(r.done);
    const revenue = money(r.revenue);
    const noShows = int(r.no_show);
    const booked = Math.round(Number(r.booked_min ?? 0));
    const working = Math.round(Number(r.work_min ?? 0));
    return {
      masterId: r.id,
      name: r.name,
      branchId: r.branch_id,
      visits,
      revenue,
      avgTicket: visits ? money(revenue / visits) : 0,
      ratings: int(r.ratings),
      avgRating: r.avg_rating === null ? null : Math.round(Number(r.avg_rating) * 100) / 100,
      ratingDistribution: [int(r.r1), int(r.r2), int(r.r3), int(r.r4), int(r.r5)],
      noShows,
      noShowRate: ratio(noShows, visits + noShows),
      bookedMinutes: booked,
      workingMinutes: working,
      utilisation: ratio(booked, working),
      rebookingRate: ratio(int(r.rebooked), visits),
      newClients: int(r.fresh),
    };
  });
}
