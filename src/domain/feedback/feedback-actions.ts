import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { cleanText } from '../clients/normalise.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { isUuid } from '../shared/ids.js';
import { type NoticeDeps, queueNotice } from '../shared/notice.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import {
  type FeedbackKind,
  type InboxScope,
  MAX_FEEDBACK_REPLY,
  messages,
  ratings,
} from './feedback-inbox.js';

/**
 * What staff do with an item of the feedback inbox: mark it handled (or open again) and reply to
 * the client through the bot. Each is one transaction with its audit row (and outbox message).
 */

export interface FeedbackRef {
  kind: FeedbackKind;
  id: string;
}

/** The item if it exists and is within the scope; else NotFoundError (never "not yours"). */
async function itemInScope(
  db: Db,
  ref: FeedbackRef,
  scope: InboxScope,
): Promise<{ clientId: string | null; chat: string | null; locale: string }> {
  if (!isUuid(ref.id)) throw new NotFoundError('feedback');
  // The inbox's own query decides the scope and whether the chat is reachable.
  const locale = sql<string>`coalesce(c.locale, 'ru')`.as('locale');
  const found =
    ref.kind === 'rating'
      ? await ratings(db, {}, scope)
          .where('f.appointment_id', '=', ref.id)
          .select(locale)
          .executeTakeFirst()
      : await messages(db, {}, scope)
          .where('msg.id', '=', ref.id)
          .select(locale)
          .executeTakeFirst();
  if (!found) throw new NotFoundError('feedback');
  return { clientId: found.client_id, chat: found.chat, locale: found.locale };
}

function entityOf(kind: FeedbackKind) {
  return kind === 'rating' ? 'visit_feedback' : 'client_message';
}

async function setHandled(db: Db, ref: FeedbackRef, handledBy: string | null, at: Date | null) {
  if (ref.kind === 'rating')
    await db
      .updateTable('visit_feedback')
      .set({ handled_at: at, handled_by: handledBy })
      .where('appointment_id', '=', ref.id)
      .execute();
  else
    await db
      .updateTable('client_messages')
      .set({ handled_at: at, handled_by: handledBy })
      .where('id', '=', ref.id)
      .execute();
}

/** Marks an item handled (or open again), audited. */
export async function markFeedbackHandled(
  db: Db,
  actor: Actor,
  ref: FeedbackRef,
  handled: boolean,
  scope: InboxScope,
  now: Date,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await itemInScope(tx, ref, scope);
    await setHandled(tx, ref, handled ? actor.id : null, handled ? now : null);
    await recordAudit(tx, actor, {
      action: handled ? 'handle' : 'reopen',
      entity: entityOf(ref.kind),
      entityId: ref.id,
    });
  });
}

/**
 * Replies to the client in Telegram through the outbox, marks the item handled and audits it,
 * in one transaction. The same text sent twice to the same item is queued once.
 */
export async function replyToFeedback(
  db: Db,
  deps: NoticeDeps,
  actor: Actor,
  ref: FeedbackRef,
  raw: string,
  scope: InboxScope,
  now: Date,
): Promise<{ queued: boolean }> {
  const text = cleanText('reply', raw, MAX_FEEDBACK_REPLY);
  if (text === '') throw new InvalidInputError('reply', 'required');
  return inTransaction(db, async (tx) => {
    const item = await itemInScope(tx, ref, scope);
    if (item.chat === null) throw new InvalidInputError('reply', 'unreachable');
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 32);
    const queued = await queueNotice(tx, deps, {
      dedupeKey: `feedback-reply:${ref.kind}:${ref.id}:${digest}`,
      kind: 'feedback_reply',
      to: { chatId: Number(item.chat), clientId: item.clientId, locale: item.locale },
      key: 'feedback-reply',
      params: { text },
    });
    await setHandled(tx, ref, actor.id, now);
    await recordAudit(tx, actor, {
      action: 'reply',
      entity: entityOf(ref.kind),
      entityId: ref.id,
      details: { length: text.length, queued },
    });
    return { queued };
  });
}
