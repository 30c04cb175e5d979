import { clientById } from '../clients/client-queries.js';
import type { Notice, NoticeDeps, Recipient } from '../shared/notice.js';
import { queueNotice } from '../shared/notice.js';
import type { Db } from '../shared/transaction.js';
import { formatWhen } from './format-when.js';
import type { VisitView } from './visit-view.js';

/**
 * What visits tell whom, as plain notices (a message key, its parameters, buttons as intents),
 * and who can hear it. The builders are pure; the use cases queue them in their transaction.
 */

export type MasterNotice = 'new' | 'moved' | 'cancelled';

/** The visit's master, if their Telegram is linked and their account active. */
export async function masterRecipient(db: Db, visit: VisitView): Promise<Recipient | null> {
  if (!visit.masterStaffUserId) return null;
  const master = await db
    .selectFrom('staff_users')
    .select(['telegram_user_id', 'locale'])
    .where('id', '=', visit.masterStaffUserId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (!master?.telegram_user_id) return null;
  return { chatId: Number(master.telegram_user_id), clientId: null, locale: master.locale };
}

/** The client, if they are in Telegram, not erased and have not blocked the bot. */
export async function clientRecipient(db: Db, clientId: string | null): Promise<Recipient | null> {
  if (!clientId) return null;
  const row = await db
    .selectFrom('clients')
    .select(['id', 'telegram_user_id', 'locale'])
    .where('id', '=', clientId)
    .where('erased_at', 'is', null)
    .where('blocked_bot_at', 'is', null)
    .executeTakeFirst();
  if (!row?.telegram_user_id) return null;
  return { chatId: Number(row.telegram_user_id), clientId: row.id, locale: row.locale };
}

/** Staff of the branch who hear about low ratings: owners, admins and its managers. */
export async function branchManagers(
  db: Db,
  branchId: string,
): Promise<(Recipient & { staffId: string })[]> {
  const rows = await db
    .selectFrom('staff_users')
    .select(['id', 'telegram_user_id', 'locale'])
    .where('active', '=', true)
    .where('telegram_user_id', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('role', 'in', ['owner', 'admin']),
        eb.and([
          eb('role', '=', 'manager'),
          eb.or([eb('branch_id', 'is', null), eb('branch_id', '=', branchId)]),
        ]),
      ]),
    )
    .execute();
  return rows.map((r) => ({
    staffId: r.id,
    chatId: Number(r.telegram_user_id),
    clientId: null,
    locale: r.locale,
  }));
}

/** Who is coming, as a master may see it (the name, as on their agenda) for a new visit. */
export interface ComingClient {
  clientId: string;
  name: string;
  /** Visits of this client done before (at any master of the salon). */
  doneVisits: number;
}

/** The visit's client for the master's notice; null for a walk-in or an erased client. */
export async function comingClient(
  db: Db,
  deps: NoticeDeps,
  visit: VisitView,
): Promise<ComingClient | null> {
  if (!visit.clientId) return null;
  const client = await clientById(db, deps.crypto, visit.clientId);
  if (!client) return null;
  const done = await db
    .selectFrom('appointments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('client_id', '=', client.id)
    .where('status', '=', 'done')
    .where('id', '!=', visit.id)
    .executeTakeFirst();
  return { clientId: client.id, name: client.name ?? '', doneVisits: Number(done?.n ?? 0) };
}

/**
 * The master hears of a new, moved or cancelled visit; `seq` tells repeated changes apart. A new
 * visit says who is coming: the name, and a new or a returning client.
 */
export function masterVisitNotice(
  visit: VisitView,
  to: Recipient,
  kind: MasterNotice,
  from?: Date,
  client?: ComingClient | null,
): Notice {
  const who = kind === 'new' && client?.name ? client : null;
  return {
    dedupeKey: `visit-${kind}:${visit.id}:${visit.movedCount}`,
    kind: `visit-${kind}`,
    to,
    key: `master-visit-${kind}`,
    params: {
      when: formatWhen(visit.startsAt, visit.timeZone, to.locale),
      from: from ? formatWhen(from, visit.timeZone, to.locale) : '',
      service: visit.service,
      client: who?.name ?? '',
      returning: who ? (who.doneVisits > 0 ? 'yes' : 'no') : 'unknown',
      visits: who?.doneVisits ?? 0,
    },
    ...(who ? { aboutClients: [who.clientId] } : {}),
  };
}

/** Tells the visit's master, in the caller's transaction: the notice exists when the change does. */
export async function noticeToMaster(
  db: Db,
  deps: NoticeDeps,
  visit: VisitView,
  kind: MasterNotice,
  extra: { from?: Date } = {},
): Promise<void> {
  const to = await masterRecipient(db, visit);
  if (!to) return;
  const client = kind === 'new' ? await comingClient(db, deps, visit) : null;
  await queueNotice(db, deps, masterVisitNotice(visit, to, kind, extra.from, client));
}

/** After a done visit: the client rates it with one to five stars. */
export function ratingAsk(visit: VisitView, to: Recipient): Notice {
  return {
    dedupeKey: `rate-ask:${visit.id}`,
    kind: 'rate-ask',
    to,
    key: 'rate-ask',
    params: { service: visit.service, master: visit.master },
    buttons: [
      ([1, 2, 3, 4, 5] as const).map((score) => ({
        text: '⭐'.repeat(score),
        intent: { kind: 'rate-visit', visitId: visit.id, score },
      })),
    ],
  };
}

/** The salon cancelled the client's visit. */
export function cancelledBySalon(visit: VisitView, to: Recipient): Notice {
  return {
    dedupeKey: `visit-cancelled-by-salon:${visit.id}`,
    kind: 'visit-cancelled-by-salon',
    to,
    key: 'visit-cancelled-by-salon',
    params: {
      when: formatWhen(visit.startsAt, visit.timeZone, to.locale),
      service: visit.service,
      phone: visit.branchPhone ?? '—',
    },
  };
}

/** A low rating (or its comment) for one manager, once per visit, manager and kind. */
export function lowRatingAlert(
  visit: VisitView,
  to: Recipient & { staffId: string },
  about: { clientId: string; score: number; client: string; phone: string; comment: string | null },
): Notice {
  const kind = about.comment === null ? 'score' : 'comment';
  return {
    dedupeKey: `rate-alert:${visit.id}:${to.staffId}:${kind}`,
    kind: 'rate-alert',
    to,
    key: about.comment === null ? 'rate-alert' : 'rate-alert-comment',
    params: {
      score: about.score,
      client: about.client,
      phone: about.phone,
      service: visit.service,
      master: visit.master,
      when: formatWhen(visit.startsAt, visit.timeZone, to.locale),
      comment: about.comment ?? '',
    },
    aboutClients: [about.clientId],
  };
}

/**
 * A reminder `offset` hours ahead: Confirm, and Cancel while the client may still cancel
 * (after the cut-off they are asked to call).
 */
export function reminder(
  visit: VisitView,
  to: Recipient,
  offset: number,
  canCancel: boolean,
): Notice {
  return {
    dedupeKey: `reminder:${visit.id}:${visit.startsAt.getTime() / 1000}:${offset}`,
    kind: 'reminder',
    to,
    key: canCancel ? 'reminder' : 'reminder-call-to-cancel',
    params: {
      when: formatWhen(visit.startsAt, visit.timeZone, to.locale),
      service: visit.service,
      master: visit.master,
      address: visit.branchAddress ?? visit.branch,
      phone: visit.branchPhone ?? '—',
    },
    buttons: [
      [
        { label: 'reminder-confirm', intent: { kind: 'confirm-visit', visitId: visit.id } },
        ...(canCancel
          ? [
              {
                label: 'reminder-cancel',
                intent: { kind: 'cancel-visit' as const, visitId: visit.id },
              },
            ]
          : []),
      ],
    ],
  };
}
