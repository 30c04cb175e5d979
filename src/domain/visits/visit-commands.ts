import { sql, type UpdateObject } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { SlotTakenError } from '../booking/book-visit.js';
import { findOffers } from '../booking/offers.js';
import { NotFoundError } from '../errors.js';
import { releaseCoupon } from '../loyalty/coupons.js';
import { type NoticeDeps, queueNotice } from '../shared/notice.js';
import { type Db, inTransaction, type Tx } from '../shared/transaction.js';
import { cancelledBySalon, clientRecipient, noticeToMaster } from './visit-notices.js';
import { checkChangeable, mustFindVisit, visitOfClient } from './visit-queries.js';
import { ACTIVE, assertActive, assertStarted, VisitStateError } from './visit-rules.js';
import { loadVisit, type VisitView } from './visit-view.js';

/** Changes of a booked visit: cancel, move, confirm, no-show (completion has its own file). */

/**
 * Closes an open visit in the caller's transaction: sets the new state only if the visit is
 * still booked or confirmed (a second press finds it closed), records who did it, and drops its
 * pending reminders.
 */
export async function closeVisit(
  tx: Tx,
  visit: VisitView,
  set: UpdateObject<Database, 'appointments'>,
  actor: Actor,
  audit: { action: string; details?: Record<string, unknown> },
): Promise<void> {
  const row = await tx
    .updateTable('appointments')
    .set({ ...set, updated_at: sql`now()` })
    .where('id', '=', visit.id)
    .where('status', 'in', ACTIVE)
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new VisitStateError(visit.status);
  await recordAudit(tx, actor, { entity: 'appointment', entityId: visit.id, ...audit });
  await dropPendingReminders(tx, visit.id);
}

/** A reminder queued for an old time or a visit no longer active must not go out. */
async function dropPendingReminders(tx: Tx, visitId: string): Promise<void> {
  await tx
    .deleteFrom('outbox')
    .where('dedupe_key', 'like', `reminder:${visitId}:%`)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Cancels a visit, gives its coupon back and tells the master (and the client, when the salon
 * cancelled), in one transaction.
 */
async function cancelVisit(
  db: Db,
  deps: NoticeDeps,
  visit: VisitView,
  by: 'client' | 'staff',
  actor: Actor,
): Promise<VisitView> {
  return inTransaction(db, async (tx) => {
    await closeVisit(
      tx,
      visit,
      { status: 'cancelled', cancelled_at: sql<Date>`now()`, cancelled_by: by },
      actor,
      { action: 'cancel', details: { by } },
    );
    await releaseCoupon(tx, visit.id);
    const cancelled = { ...visit, status: 'cancelled' as const };
    await noticeToMaster(tx, deps, cancelled, 'cancelled');
    const client = by === 'staff' ? await clientRecipient(tx, visit.clientId) : null;
    if (client) await queueNotice(tx, deps, cancelledBySalon(cancelled, client));
    return cancelled;
  });
}

/** The client cancels their own visit, before the cut-off. */
export async function cancelByClient(
  db: Db,
  deps: NoticeDeps,
  clientId: string,
  visitId: string,
  now: Date,
): Promise<VisitView> {
  const visit = await visitOfClient(db, clientId, visitId);
  await checkChangeable(db, visit, now);
  return cancelVisit(db, deps, visit, 'client', { type: 'client', id: clientId });
}

/** Staff may cancel at any time; the client is told. */
export async function cancelByStaff(
  db: Db,
  deps: NoticeDeps,
  visitId: string,
  actor: Actor,
): Promise<VisitView> {
  return cancelVisit(db, deps, await mustFindVisit(db, visitId), 'staff', actor);
}

/**
 * Moves the client's visit to a new start with the same service and master. The new time must
 * be one the schedule offers; a lost race is a SlotTakenError.
 */
export async function rescheduleVisit(
  db: Db,
  deps: NoticeDeps,
  clientId: string,
  visitId: string,
  startsAt: Date,
  now: Date,
): Promise<VisitView> {
  const visit = await visitOfClient(db, clientId, visitId);
  await checkChangeable(db, visit, now);
  const offer = (
    await findOffers(
      db,
      visit.serviceId,
      visit.masterId,
      now,
      { from: new Date(startsAt.getTime() - 1), to: new Date(startsAt.getTime() + 1) },
      { excludeVisit: visit.id },
    )
  ).find((o) => o.startsAt.getTime() === startsAt.getTime());
  if (!offer) throw new SlotTakenError();
  const endsAt = new Date(startsAt.getTime() + offer.durationMin * 60_000);
  try {
    return await inTransaction(db, async (tx) => {
      const row = await tx
        .updateTable('appointments')
        .set({
          starts_at: startsAt,
          ends_at: endsAt,
          blocked_until: new Date(endsAt.getTime() + offer.bufferMin * 60_000),
          status: 'booked',
          confirmed_at: null,
          moved_count: sql`moved_count + 1`,
          updated_at: now,
        })
        .where('id', '=', visit.id)
        .where('status', 'in', ACTIVE)
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new VisitStateError('not active');
      await recordAudit(
        tx,
        { type: 'client', id: clientId },
        { action: 'reschedule', entity: 'appointment', entityId: visit.id },
      );
      await dropPendingReminders(tx, visit.id);
      const moved = await loadVisit(tx, visit.id);
      if (!moved) throw new NotFoundError('visit');
      await noticeToMaster(tx, deps, moved, 'moved', { from: visit.startsAt });
      return moved;
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23P01') throw new SlotTakenError();
    throw err;
  }
}

/** The client confirms they will come (from a reminder). */
export async function confirmByClient(
  db: Db,
  clientId: string,
  visitId: string,
): Promise<VisitView> {
  const visit = await visitOfClient(db, clientId, visitId);
  assertActive(visit);
  await db
    .updateTable('appointments')
    .set({ status: 'confirmed', confirmed_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', visit.id)
    .where('status', 'in', ACTIVE)
    .execute();
  return { ...visit, status: 'confirmed' };
}

/** The client did not come: recorded once the visit has begun, with who said so. */
export async function markNoShow(
  db: Db,
  visitId: string,
  actor: Actor,
  now: Date,
): Promise<VisitView> {
  const visit = await mustFindVisit(db, visitId);
  assertStarted(visit, now);
  return inTransaction(db, async (tx) => {
    await closeVisit(tx, visit, { status: 'no_show' }, actor, { action: 'no-show' });
    return { ...visit, status: 'no_show' as const };
  });
}
