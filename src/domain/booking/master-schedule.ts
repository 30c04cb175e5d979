import { z } from 'zod';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { InvalidInputError } from '../errors.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import { exceptionInput, hoursInput, mustExist, overlapping, parse } from './catalogue-input.js';

/** A master's weekly hours and date exceptions, validated and audited with each change. */

/** Checks weekly hours as setWeeklyHours would, without writing. */
export function checkWeeklyHours(input: { weekday: number; start: string; end: string }[]) {
  const hours = parse(z.array(hoursInput).max(100), input);
  if (overlapping(hours)) throw new InvalidInputError('hours', 'overlap');
  return hours;
}

/** Replaces a master's weekly hours; several intervals a day make breaks, never overlaps. */
export async function setWeeklyHours(
  db: Db,
  masterId: string,
  input: { weekday: number; start: string; end: string }[],
  actor: Actor,
): Promise<void> {
  const hours = checkWeeklyHours(input);
  await mustExist(db, 'masters', masterId);
  await inTransaction(db, async (tx) => {
    await tx.deleteFrom('working_hours').where('master_id', '=', masterId).execute();
    if (hours.length > 0)
      await tx
        .insertInto('working_hours')
        .values(
          hours.map((h) => ({
            master_id: masterId,
            weekday: h.weekday,
            starts: h.start,
            ends: h.end,
          })),
        )
        .execute();
    await recordAudit(tx, actor, { action: 'set-hours', entity: 'master', entityId: masterId });
  });
}

/**
 * Sets one date's exception, replacing any earlier one for that date: a day off (a vacation
 * is one per day) or that day's own hours, which may be extra hours on a usual day off.
 */
export async function setException(
  db: Db,
  masterId: string,
  input:
    | { day: string; kind: 'off' }
    | { day: string; kind: 'hours'; hours: { start: string; end: string }[] },
  actor: Actor,
): Promise<void> {
  const v = parse(exceptionInput, input);
  if (v.kind === 'hours' && overlapping(v.hours.map((h) => ({ ...h, weekday: 0 }))))
    throw new InvalidInputError('hours', 'overlap');
  await mustExist(db, 'masters', masterId);
  await inTransaction(db, async (tx) => {
    await tx
      .deleteFrom('schedule_exceptions')
      .where('master_id', '=', masterId)
      .where('day', '=', v.day)
      .execute();
    await tx
      .insertInto('schedule_exceptions')
      .values(
        v.kind === 'off'
          ? [{ master_id: masterId, day: v.day, kind: 'off' as const }]
          : v.hours.map((h) => ({
              master_id: masterId,
              day: v.day,
              kind: 'hours' as const,
              starts: h.start,
              ends: h.end,
            })),
      )
      .execute();
    await recordAudit(tx, actor, {
      action: 'set-exception',
      entity: 'master',
      entityId: masterId,
      details: { day: v.day, kind: v.kind },
    });
  });
}

/** Checks date exceptions as replaceExceptionsFrom would, without writing. */
export function checkExceptions(list: z.input<typeof exceptionInput>[]) {
  const checked = list.map((e) => parse(exceptionInput, e));
  for (const e of checked)
    if (e.kind === 'hours' && overlapping(e.hours.map((h) => ({ ...h, weekday: 0 }))))
      throw new InvalidInputError('hours', 'overlap');
  if (new Set(checked.map((e) => e.day)).size !== checked.length)
    throw new InvalidInputError('day', 'duplicate');
  return checked;
}

/**
 * Replaces a master's exceptions from `fromDay` on with `list` (earlier ones stay as
 * history), all or nothing.
 */
export async function replaceExceptionsFrom(
  db: Db,
  masterId: string,
  fromDay: string,
  list: z.input<typeof exceptionInput>[],
  actor: Actor,
): Promise<void> {
  const checked = checkExceptions(list);
  await mustExist(db, 'masters', masterId);
  await inTransaction(db, async (tx) => {
    await tx
      .deleteFrom('schedule_exceptions')
      .where('master_id', '=', masterId)
      .where('day', '>=', fromDay)
      .execute();
    type Row = {
      master_id: string;
      day: string;
      kind: 'off' | 'hours';
      starts?: string;
      ends?: string;
    };
    const rows = checked
      .filter((e) => e.day >= fromDay)
      .flatMap((e): Row[] =>
        e.kind === 'off'
          ? [{ master_id: masterId, day: e.day, kind: 'off' }]
          : e.hours.map((h) => ({
              master_id: masterId,
              day: e.day,
              kind: 'hours' as const,
              starts: h.start,
              ends: h.end,
            })),
      );
    if (rows.length > 0) await tx.insertInto('schedule_exceptions').values(rows).execute();
    await recordAudit(tx, actor, {
      action: 'set-exceptions',
      entity: 'master',
      entityId: masterId,
      details: { from: fromDay, days: checked.length },
    });
  });
}

export async function clearException(
  db: Db,
  masterId: string,
  day: string,
  actor: Actor,
): Promise<void> {
  parse(z.iso.date(), day);
  await inTransaction(db, async (tx) => {
    await tx
      .deleteFrom('schedule_exceptions')
      .where('master_id', '=', masterId)
      .where('day', '=', day)
      .execute();
    await recordAudit(tx, actor, {
      action: 'clear-exception',
      entity: 'master',
      entityId: masterId,
      details: { day },
    });
  });
}
