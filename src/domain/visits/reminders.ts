import { getSetting } from '../settings.js';
import { type NoticeDeps, queueNotice } from '../shared/notice.js';
import type { Db } from '../shared/transaction.js';
import { reminder } from './visit-notices.js';
import { ACTIVE } from './visit-rules.js';
import { toVisitView, visitQuery } from './visit-view.js';

/**
 * Queues due reminders (a job tick). For each visit only the nearest due offset is sent, and
 * only offsets that fell after the visit was booked or moved; the dedupe key (visit, start,
 * offset) makes a reminder go out once however often this runs, on however many replicas.
 */
export async function queueReminders(db: Db, deps: NoticeDeps, now: Date): Promise<number> {
  const offsets = [...(await getSetting(db, 'reminders.offsets_hours'))]
    .filter((h) => Number.isFinite(h) && h > 0)
    .sort((a, b) => a - b);
  if (offsets.length === 0) return 0;
  const cutoff = await getSetting(db, 'booking.cancel_cutoff_hours');
  const longest = offsets[offsets.length - 1] ?? 0;
  const rows = await visitQuery(db)
    .innerJoin('clients as c', 'c.id', 'a.client_id')
    .select(['c.telegram_user_id', 'c.locale', 'a.updated_at', 'a.created_at'])
    .where('a.status', 'in', ACTIVE)
    .where('a.starts_at', '>', now)
    .where('a.starts_at', '<=', new Date(now.getTime() + longest * 3_600_000))
    .where('c.telegram_user_id', 'is not', null)
    .where('c.erased_at', 'is', null)
    .where('c.blocked_bot_at', 'is', null)
    .execute();
  let queued = 0;
  for (const row of rows) {
    const visit = toVisitView(row);
    const bookedAt = Math.max(row.created_at.getTime(), row.updated_at.getTime());
    const offset = offsets.find((h) => {
      const due = visit.startsAt.getTime() - h * 3_600_000;
      return due <= now.getTime() && due >= bookedAt - 60_000;
    });
    if (offset === undefined) continue;
    const canCancel = visit.startsAt.getTime() - now.getTime() >= cutoff * 3_600_000;
    const to = {
      chatId: Number(row.telegram_user_id),
      clientId: visit.clientId,
      locale: row.locale,
    };
    if (await queueNotice(db, deps, reminder(visit, to, offset, canCancel))) queued++;
  }
  return queued;
}
