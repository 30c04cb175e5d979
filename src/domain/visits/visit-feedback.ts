import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Client } from '../clients/client-service.js';
import { InvalidInputError } from '../errors.js';
import { getSetting } from '../settings.js';
import { type NoticeDeps, queueNotice } from '../shared/notice.js';
import { type Db, inTransaction, type Tx } from '../shared/transaction.js';
import { branchManagers, lowRatingAlert } from './visit-notices.js';
import { visitOfClient } from './visit-queries.js';
import { MAX_FEEDBACK_COMMENT, VisitStateError } from './visit-rules.js';
import type { VisitView } from './visit-view.js';

/** A client's rating of a done visit and its comment; low ones alert the branch's managers. */

/** Reads a client decrypted (the client service), for the managers' alert. */
export interface FeedbackDeps extends NoticeDeps {
  clients: { findById(id: string): Promise<Client | null> };
}

/** Where a rating's comment is encrypted, for the history import to write the same way. */
export function feedbackPlace(visitId: string) {
  return { table: 'visit_feedback', column: 'comment_enc', rowId: visitId };
}

/** Rates a done visit; a second press changes it. A low score alerts the managers once. */
export async function rateVisit(
  db: Db,
  deps: FeedbackDeps,
  clientId: string,
  visitId: string,
  score: number,
): Promise<{ alerted: boolean }> {
  if (!Number.isInteger(score) || score < 1 || score > 5)
    throw new InvalidInputError('score', 'invalid');
  const visit = await visitOfClient(db, clientId, visitId);
  if (visit.status !== 'done') throw new VisitStateError(visit.status);
  const alertAt = await getSetting(db, 'feedback.alert_max_score');
  return inTransaction(db, async (tx) => {
    await tx
      .insertInto('visit_feedback')
      .values({ appointment_id: visit.id, client_id: clientId, score })
      .onConflict((oc) =>
        oc.column('appointment_id').doUpdateSet({ score, updated_at: sql`now()` }),
      )
      .execute();
    if (score > alertAt) return { alerted: false };
    await alertManagers(tx, deps, visit, clientId, score, null);
    return { alerted: true };
  });
}

/** An optional comment after the rating, stored encrypted; low ratings forward it. */
export async function commentVisit(
  db: Db,
  deps: FeedbackDeps,
  clientId: string,
  visitId: string,
  raw: string,
): Promise<void> {
  const text = raw.trim();
  if (text === '') throw new InvalidInputError('comment', 'empty');
  if (text.length > MAX_FEEDBACK_COMMENT) throw new InvalidInputError('comment', 'too-long');
  const visit = await visitOfClient(db, clientId, visitId);
  const alertAt = await getSetting(db, 'feedback.alert_max_score');
  await inTransaction(db, async (tx) => {
    const row = await tx
      .updateTable('visit_feedback')
      .set({
        comment_enc: deps.crypto.encryptSystem(feedbackPlace(visit.id), text),
        updated_at: sql`now()`,
      })
      .where('appointment_id', '=', visit.id)
      .where('client_id', '=', clientId)
      .returning('score')
      .executeTakeFirst();
    if (!row) throw new VisitStateError('not rated');
    if (row.score <= alertAt) await alertManagers(tx, deps, visit, clientId, row.score, text);
  });
}

export async function feedbackOf(
  db: Db,
  crypto: Crypto,
  visitId: string,
): Promise<{ score: number; comment: string | null } | null> {
  const row = await db
    .selectFrom('visit_feedback')
    .select(['score', 'comment_enc'])
    .where('appointment_id', '=', visitId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    score: row.score,
    comment: row.comment_enc ? crypto.decryptSystem(feedbackPlace(visitId), row.comment_enc) : null,
  };
}

async function alertManagers(
  tx: Tx,
  deps: FeedbackDeps,
  visit: VisitView,
  clientId: string,
  score: number,
  comment: string | null,
): Promise<void> {
  const client = await deps.clients.findById(clientId);
  const about = {
    clientId,
    score,
    client: client?.name ?? '—',
    phone: client?.phone ?? '—',
    comment,
  };
  for (const manager of await branchManagers(tx, visit.branchId))
    await queueNotice(tx, deps, lowRatingAlert(visit, manager, about));
}
