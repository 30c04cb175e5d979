import { DateTime } from 'luxon';
import type { Client } from '../clients/client-service.js';
import { currentConsents } from '../onboarding/consents.js';
import { enqueueMessage } from '../outbox/outbox.js';
import { getSetting } from '../settings.js';
import type { IntentButton } from '../shared/intents.js';
import type { NoticeDeps } from '../shared/notice.js';
import type { Db } from '../shared/transaction.js';
import { formatAmount, formatTime } from './format-when.js';
import { expectedAmount } from './visit-queries.js';
import { ACTIVE } from './visit-rules.js';
import { toVisitView, type VisitView, visitQuery } from './visit-view.js';

/** A master's day: who comes when, what to know about them, and Done / No-show per visit. */

export interface AgendaItem {
  visit: VisitView;
  clientName: string | null;
  notes: string | null;
  /** Only where the client consented to health data. */
  allergies: string | null;
}

export interface AgendaDeps extends NoticeDeps {
  clients: { findById(id: string): Promise<Client | null> };
}

/** A master's agenda, rendered: its text, buttons as intents, and the clients it names. */
export interface Agenda {
  text: string;
  buttons: IntentButton[][];
  clientIds: string[];
}

/** A master's visits on one local day, with what the master needs to know about each client. */
export async function agendaItems(
  db: Db,
  deps: AgendaDeps,
  masterId: string,
  day: { from: Date; to: Date },
): Promise<AgendaItem[]> {
  const rows = await visitQuery(db)
    .where('a.master_id', '=', masterId)
    .where('a.status', 'in', ACTIVE)
    .where('a.starts_at', '>=', day.from)
    .where('a.starts_at', '<', day.to)
    .orderBy('a.starts_at')
    .execute();
  const items: AgendaItem[] = [];
  for (const row of rows) {
    const visit = toVisitView(row);
    const client = visit.clientId ? await deps.clients.findById(visit.clientId) : null;
    const health = client ? (await currentConsents(db, client.id)).health_data : false;
    items.push({
      visit,
      clientName: client?.name ?? null,
      notes: client?.notes ?? null,
      allergies: health ? (client?.allergies ?? null) : null,
    });
  }
  return items;
}

/** The agenda as one text (a paragraph per visit) and a row of Done / No-show per visit. */
export function agendaMessage(
  deps: Pick<NoticeDeps, 'translate'>,
  items: AgendaItem[],
  locale: string,
  dayLabel: string,
): { text: string; buttons: IntentButton[][] } {
  const t = deps.translate;
  if (items.length === 0)
    return { text: t(locale, 'agenda-empty', { day: dayLabel }), buttons: [] };
  const lines = items.map((i) => {
    const parts = [
      t(locale, 'agenda-line', {
        time: formatTime(i.visit.startsAt, i.visit.timeZone),
        client: i.clientName ?? t(locale, 'agenda-no-client'),
        service: i.visit.service,
        amount: formatAmount(expectedAmount(i.visit)),
      }),
    ];
    if (i.notes) parts.push(t(locale, 'agenda-notes', { notes: i.notes }));
    if (i.allergies) parts.push(t(locale, 'agenda-allergies', { allergies: i.allergies }));
    return parts.join('\n');
  });
  const buttons = items.map((i): IntentButton[] => {
    const time = formatTime(i.visit.startsAt, i.visit.timeZone);
    return [
      {
        text: t(locale, 'agenda-done', { time }),
        intent: { kind: 'visit-done', visitId: i.visit.id },
      },
      {
        text: t(locale, 'agenda-no-show', { time }),
        intent: { kind: 'visit-no-show', visitId: i.visit.id },
      },
    ];
  });
  return { text: [t(locale, 'agenda-title', { day: dayLabel }), ...lines].join('\n\n'), buttons };
}

/** A master's agenda for a local date (YYYY-MM-DD in the branch's zone), ready to send. */
export async function agendaFor(
  db: Db,
  deps: AgendaDeps,
  masterId: string,
  timeZone: string,
  day: string,
  locale: string,
): Promise<Agenda> {
  const start = DateTime.fromISO(day, { zone: timeZone }).startOf('day');
  const items = await agendaItems(db, deps, masterId, {
    from: start.toJSDate(),
    to: start.plus({ days: 1 }).toJSDate(),
  });
  const label = start.setLocale(locale === 'en' ? 'en-GB' : 'ru').toFormat('cccc d MMMM');
  return {
    ...agendaMessage(deps, items, locale, label),
    clientIds: items.flatMap((i) => (i.visit.clientId ? [i.visit.clientId] : [])),
  };
}

/**
 * Queues each linked master's agenda for their local day once the branch's clock passes the
 * agenda hour (within three hours of it, so a late start does not send it at night). Once per
 * master and day, by the dedupe key.
 */
export async function queueAgendas(db: Db, deps: AgendaDeps, now: Date): Promise<number> {
  const hour = await getSetting(db, 'agenda.local_hour');
  const masters = await db
    .selectFrom('masters as m')
    .innerJoin('staff_users as u', 'u.id', 'm.staff_user_id')
    .innerJoin('branches as b', 'b.id', 'm.branch_id')
    .select(['m.id', 'u.telegram_user_id', 'u.locale', 'b.time_zone'])
    .where('m.active', '=', true)
    .where('u.active', '=', true)
    .where('b.active', '=', true)
    .where('u.telegram_user_id', 'is not', null)
    .execute();
  let queued = 0;
  for (const m of masters) {
    const local = DateTime.fromJSDate(now, { zone: m.time_zone });
    if (local.hour < hour || local.hour >= hour + 3) continue;
    const day = local.toISODate() ?? '';
    const { text, buttons, clientIds } = await agendaFor(
      db,
      deps,
      m.id,
      m.time_zone,
      day,
      m.locale,
    );
    const added = await enqueueMessage(db, deps.crypto, {
      dedupeKey: `agenda:${m.id}:${day}`,
      chatId: Number(m.telegram_user_id),
      clientId: null,
      kind: 'agenda',
      aboutClients: clientIds,
      message: { text, buttons },
    });
    if (added) queued++;
  }
  return queued;
}
