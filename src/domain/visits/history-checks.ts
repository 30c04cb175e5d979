import { DateTime, IANAZone } from 'luxon';
import type { AppointmentStatus } from '../../db/schema.js';
import { workingIntervals } from '../booking/free-slots.js';
import { masterTerms } from '../booking/offers.js';
import { InvalidInputError } from '../errors.js';
import { isUuid } from '../shared/ids.js';
import type { Db } from '../shared/transaction.js';
import type { HistoricalVisit } from './visit-history.js';
import { MAX_AMOUNT, MAX_FEEDBACK_COMMENT } from './visit-rules.js';

/**
 * The checks of an imported visit, with the booking path's rules: a service its master performs,
 * inside the master's hours that day in the branch's zone, a consistent state.
 */

const ACTIVE: readonly AppointmentStatus[] = ['booked', 'confirmed'];
const STATUSES: readonly AppointmentStatus[] = [
  'booked',
  'confirmed',
  'done',
  'cancelled',
  'no_show',
];

export interface MasterPlan {
  branchId: string;
  timeZone: string;
  weekly: { weekday: number; start: string; end: string }[];
  exceptions: Map<string, { start: string; end: string }[]>;
  /** The exceptions in the form workingIntervals takes, built once. */
  dayExceptions: { day: string; hours: { start: string; end: string }[] }[];
  /** Working intervals per local date, worked out once per day (zone arithmetic is slow). */
  days: Map<string, { start: number; end: number }[]>;
  /** service id → duration, buffer, price as this master performs it. */
  services: Map<string, { durationMin: number; bufferMin: number; price: string }>;
}

export async function loadMasters(db: Db, ids: string[]): Promise<Map<string, MasterPlan>> {
  const [masters, offered, hours, exceptions] = await Promise.all([
    db
      .selectFrom('masters as m')
      .innerJoin('branches as b', 'b.id', 'm.branch_id')
      .select(['m.id', 'm.branch_id', 'b.time_zone'])
      .where('m.id', 'in', ids)
      .execute(),
    db
      .selectFrom('master_services as ms')
      .innerJoin('services as s', 's.id', 'ms.service_id')
      .select([
        'ms.master_id',
        'ms.service_id',
        masterTerms.durationMin().as('duration'),
        's.buffer_min',
        masterTerms.price().as('price'),
      ])
      .where('ms.master_id', 'in', ids)
      .execute(),
    db.selectFrom('working_hours').selectAll().where('master_id', 'in', ids).execute(),
    db.selectFrom('schedule_exceptions').selectAll().where('master_id', 'in', ids).execute(),
  ]);
  const plans = new Map<string, MasterPlan>();
  for (const m of masters)
    plans.set(m.id, {
      branchId: m.branch_id,
      timeZone: m.time_zone,
      weekly: [],
      exceptions: new Map(),
      dayExceptions: [],
      days: new Map(),
      services: new Map(),
    });
  for (const o of offered)
    plans.get(o.master_id)?.services.set(o.service_id, {
      durationMin: Number(o.duration),
      bufferMin: o.buffer_min,
      price: String(o.price),
    });
  for (const h of hours)
    plans
      .get(h.master_id)
      ?.weekly.push({ weekday: h.weekday, start: h.starts.slice(0, 5), end: h.ends.slice(0, 5) });
  for (const e of exceptions) {
    const list = plans.get(e.master_id)?.exceptions;
    if (!list) continue;
    const day = list.get(e.day) ?? [];
    if (e.kind === 'hours' && e.starts && e.ends)
      day.push({ start: e.starts.slice(0, 5), end: e.ends.slice(0, 5) });
    list.set(e.day, day);
  }
  for (const plan of plans.values())
    plan.dayExceptions = [...plan.exceptions].map(([day, hours]) => ({ day, hours }));
  return plans;
}

const offsets = new Map<string, number | null>();

/**
 * The local date ('YYYY-MM-DD') of an instant in a zone. Luxon takes tens of µs per call, so a
 * UTC day whose offset is the same at both ends takes it once; a day with a clock change goes
 * through Luxon instant by instant.
 */
function localDate(zone: string, ts: number): string {
  const utcDay = Math.floor(ts / 86_400_000);
  const key = `${zone}|${utcDay}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size > 100_000) offsets.clear();
    const z = IANAZone.create(zone);
    const first = z.offset(utcDay * 86_400_000);
    offset = first === z.offset((utcDay + 1) * 86_400_000 - 1) ? first : null;
    offsets.set(key, offset);
  }
  if (offset === null) return DateTime.fromMillis(ts, { zone }).toISODate() ?? '';
  return new Date(ts + offset * 60_000).toISOString().slice(0, 10);
}

/** Throws InvalidInputError naming the visit (by position) and the rule it breaks. */
export function fail(index: number, field: string, code: string): never {
  throw new InvalidInputError(field, code, `visit ${index}: ${field}: ${code}`);
}

export function checkVisit(
  v: HistoricalVisit,
  index: number,
  plan: MasterPlan | undefined,
  now: Date,
): { endsAt: Date; blockedUntil: Date; price: string } {
  if (!isUuid(v.id)) fail(index, 'id', 'invalid');
  if (!plan) fail(index, 'masterId', 'invalid');
  if (v.clientId !== null && !isUuid(v.clientId)) fail(index, 'clientId', 'invalid');
  if (!STATUSES.includes(v.status)) fail(index, 'status', 'invalid');
  const offered = plan.services.get(v.serviceId);
  if (!offered) fail(index, 'serviceId', 'not-offered');
  if (Number.isNaN(v.startsAt.getTime())) fail(index, 'startsAt', 'invalid');
  if (!(v.bookedAt <= v.startsAt)) fail(index, 'bookedAt', 'after-start');
  const active = ACTIVE.includes(v.status);
  if (active && v.startsAt <= now) fail(index, 'status', 'active-in-past');
  if (!active && v.status !== 'cancelled' && v.startsAt > now)
    fail(index, 'status', 'closed-in-future');
  if (!(v.discountPct >= 0 && v.discountPct <= 100)) fail(index, 'discountPct', 'invalid');
  if (v.status === 'done') {
    if (v.amountPaid === null || !(v.amountPaid >= 0 && v.amountPaid <= MAX_AMOUNT))
      fail(index, 'amountPaid', 'invalid');
  } else if (v.amountPaid !== null) fail(index, 'amountPaid', 'not-done');
  if (!Number.isInteger(v.pointsSpent) || v.pointsSpent < 0) fail(index, 'pointsSpent', 'invalid');
  if (v.pointsSpent > 0 && (v.status !== 'done' || v.clientId === null))
    fail(index, 'pointsSpent', 'not-done');
  if ((v.status === 'cancelled') !== (v.cancelledBy !== null && v.cancelledAt !== null))
    fail(index, 'cancelledBy', 'invalid');
  if (
    (v.couponId !== null && !(v.status === 'done' || active)) ||
    (v.couponId !== null && !v.clientId)
  )
    fail(index, 'couponId', 'not-open');
  if (v.feedback) {
    if (v.status !== 'done' || v.clientId === null) fail(index, 'feedback', 'not-done');
    if (!Number.isInteger(v.feedback.score) || v.feedback.score < 1 || v.feedback.score > 5)
      fail(index, 'score', 'invalid');
    const comment = v.feedback.comment;
    if (comment !== null && (comment.trim() === '' || comment.length > MAX_FEEDBACK_COMMENT))
      fail(index, 'comment', 'invalid');
  }
  const endsAt = new Date(v.startsAt.getTime() + offered.durationMin * 60_000);
  // Within the master's hours that day, in the branch's zone, as the booking path offers.
  const key = localDate(plan.timeZone, v.startsAt.getTime());
  let intervals = plan.days.get(key);
  if (!intervals) {
    const day = DateTime.fromISO(key, { zone: plan.timeZone });
    intervals = workingIntervals({ weekly: plan.weekly, exceptions: plan.dayExceptions }, day);
    plan.days.set(key, intervals);
  }
  const inHours = intervals.some(
    (i) => v.startsAt.getTime() >= i.start && endsAt.getTime() <= i.end,
  );
  if (!inHours) fail(index, 'startsAt', 'outside-hours');
  return {
    endsAt,
    blockedUntil: new Date(endsAt.getTime() + offered.bufferMin * 60_000),
    price: offered.price,
  };
}
