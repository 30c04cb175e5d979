import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { getSettings } from '../settings.js';
import type { Db } from '../shared/transaction.js';
import { type DayException, freeSlotTimes, type LocalInterval } from './free-slots.js';

/** Free times to book: the masters' schedules less their visits, within the booking window. */

export interface Offer {
  masterId: string;
  masterName: string;
  serviceId: string;
  startsAt: Date;
  durationMin: number;
  bufferMin: number;
  price: string;
  timeZone: string;
  branchId: string;
}

export interface OfferOptions {
  /** false: staff booking a walk-in at the desk, not held to the clients' minimum lead time. */
  leadTime?: boolean;
  /** A visit being moved does not stand in its own way. */
  excludeVisit?: string;
  /** Limits "any master" to one branch. */
  branchId?: string;
}

const hhmm = (t: string) => t.slice(0, 5);

/**
 * What a master charges and takes for a service: their own price and duration where they have
 * one, else the service's. For queries over `master_services as ms` joined to `services as s`.
 */
export const masterTerms = {
  durationMin: () => sql<number>`coalesce(ms.duration_min, s.duration_min)`,
  price: () => sql<string>`coalesce(ms.price, s.price)`,
};

/** Masters who perform a service, with their own price and duration where they have one. */
export async function mastersFor(db: Db, serviceId: string) {
  return db
    .selectFrom('master_services as ms')
    .innerJoin('masters as m', 'm.id', 'ms.master_id')
    .innerJoin('services as s', 's.id', 'ms.service_id')
    .innerJoin('branches as b', 'b.id', 'm.branch_id')
    .select([
      'm.id as masterId',
      'm.display_name as masterName',
      'm.branch_id as branchId',
      'b.time_zone as timeZone',
      masterTerms.durationMin().as('durationMin'),
      's.buffer_min as bufferMin',
      masterTerms.price().as('price'),
    ])
    .where('ms.service_id', '=', serviceId)
    .where('m.active', '=', true)
    .where('s.active', '=', true)
    .orderBy('m.display_name')
    .execute();
}

/** Free start times within the booking window for one master, or for any master when null. */
export async function findOffers(
  db: Db,
  serviceId: string,
  masterId: string | null,
  now: Date,
  window?: { from: Date; to: Date },
  options: OfferOptions = {},
): Promise<Offer[]> {
  const rows = await readOfferRows(db, serviceId, masterId, now, window, options);
  return rows ? composeOffers(rows) : [];
}

/** What the search reads: the masters, their hours, exceptions and visits in the window. */
export async function readOfferRows(
  db: Db,
  serviceId: string,
  masterId: string | null,
  now: Date,
  window?: { from: Date; to: Date },
  options: OfferOptions = {},
): Promise<OfferRows | null> {
  // Two round trips: settings with the masters, then their schedules and visits.
  const [settings, allMasters] = await Promise.all([
    getSettings(db, ['booking.horizon_days', 'booking.lead_minutes', 'booking.step_minutes']),
    mastersFor(db, serviceId),
  ]);
  const horizonDays = settings['booking.horizon_days'];
  const leadMinutes = settings['booking.lead_minutes'];
  const stepMinutes = settings['booking.step_minutes'];
  // Staff booking a walk-in at the desk are not held to the clients' minimum lead time.
  const earliest = new Date(
    now.getTime() + (options.leadTime === false ? 0 : leadMinutes) * 60_000,
  );
  const latest = new Date(now.getTime() + horizonDays * 86_400_000);
  const from = window && window.from > earliest ? window.from : earliest;
  const to = window && window.to < latest ? window.to : latest;
  if (to < from) return null;
  const masters = allMasters.filter(
    (m) =>
      (masterId === null || m.masterId === masterId) &&
      (options.branchId === undefined || m.branchId === options.branchId),
  );
  if (masters.length === 0) return null;
  const ids = masters.map((m) => m.masterId);
  const [hours, exceptions, busy] = await Promise.all([
    db.selectFrom('working_hours').selectAll().where('master_id', 'in', ids).execute(),
    db
      .selectFrom('schedule_exceptions')
      .selectAll()
      .where('master_id', 'in', ids)
      .where('day', '>=', DateTime.fromJSDate(from).minus({ days: 1 }).toISODate() ?? '')
      .where('day', '<=', DateTime.fromJSDate(to).plus({ days: 1 }).toISODate() ?? '')
      .execute(),
    db
      .selectFrom('appointments')
      .select(['master_id', 'starts_at', 'blocked_until'])
      .where('master_id', 'in', ids)
      .where('status', 'in', ['booked', 'confirmed'])
      .where('blocked_until', '>', new Date(from.getTime() - 86_400_000))
      .where('starts_at', '<', new Date(to.getTime() + 86_400_000))
      // A visit being moved does not stand in its own way.
      .$if(options.excludeVisit !== undefined, (q) =>
        q.where('id', '!=', options.excludeVisit ?? ''),
      )
      .execute(),
  ]);
  return { serviceId, masters, from, to, stepMinutes, hours, exceptions, busy };
}

type MasterRow = Awaited<ReturnType<typeof mastersFor>>[number];

/** What findOffers read from the database, for the pure part of the search. */
export interface OfferRows {
  serviceId: string;
  masters: readonly MasterRow[];
  from: Date;
  to: Date;
  stepMinutes: number;
  hours: readonly { master_id: string; weekday: number; starts: string; ends: string }[];
  exceptions: readonly {
    master_id: string;
    day: string;
    kind: string;
    starts: string | null;
    ends: string | null;
  }[];
  busy: readonly { master_id: string; starts_at: Date; blocked_until: Date }[];
}

function byMaster<T extends { master_id: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(row.master_id);
    if (list) list.push(row);
    else out.set(row.master_id, [row]);
  }
  return out;
}

/**
 * Each master's free times, merged into one list by time; within a time, masters keep their
 * order (by name). Pure computation over the rows: no database, no clock.
 */
export function composeOffers(rows: OfferRows): Offer[] {
  const hours = byMaster(rows.hours);
  const exceptions = byMaster(rows.exceptions);
  const busy = byMaster(rows.busy);
  const perMaster = rows.masters.map((m) => {
    const days = new Map<string, LocalInterval[]>();
    for (const e of exceptions.get(m.masterId) ?? []) {
      const list = days.get(e.day) ?? [];
      if (e.kind === 'hours' && e.starts && e.ends)
        list.push({ start: hhmm(e.starts), end: hhmm(e.ends) });
      days.set(e.day, list);
    }
    const dayExceptions: DayException[] = [...days].map(([day, list]) => ({ day, hours: list }));
    return freeSlotTimes({
      timeZone: m.timeZone,
      from: rows.from,
      to: rows.to,
      durationMin: Number(m.durationMin),
      bufferMin: m.bufferMin,
      stepMin: rows.stepMinutes,
      weekly: (hours.get(m.masterId) ?? []).map((h) => ({
        weekday: h.weekday,
        start: hhmm(h.starts),
        end: hhmm(h.ends),
      })),
      exceptions: dayExceptions,
      busy: (busy.get(m.masterId) ?? []).map((b) => ({ start: b.starts_at, end: b.blocked_until })),
    }).sort((a, b) => a - b);
  });
  // A merge of the masters' sorted lists: the earliest head wins, the first master on a tie.
  const masters = rows.masters;
  const heads = perMaster.map(() => 0);
  const total = perMaster.reduce((n, list) => n + list.length, 0);
  const offers: Offer[] = new Array(total);
  for (let n = 0; n < total; n++) {
    let pick = 0;
    let earliest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < perMaster.length; i++) {
      const t = (perMaster[i] as number[])[heads[i] as number];
      if (t !== undefined && t < earliest) {
        earliest = t;
        pick = i;
      }
    }
    heads[pick] = (heads[pick] as number) + 1;
    const m = masters[pick] as MasterRow;
    offers[n] = {
      masterId: m.masterId,
      masterName: m.masterName,
      branchId: m.branchId,
      timeZone: m.timeZone,
      serviceId: rows.serviceId,
      startsAt: new Date(earliest),
      durationMin: Number(m.durationMin),
      bufferMin: m.bufferMin,
      price: String(m.price),
    };
  }
  return offers;
}
