import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import type { IntentButton } from '../shared/intents.js';
import { type Db, inTransaction } from '../shared/transaction.js';

/**
 * What the dispatcher sends: text (or a document) and optional inline buttons, as intents the
 * bot encodes (rows queued before intents carry `{text, data}` buttons; the dispatcher still
 * sends those). Bodies may carry names and free text, so the payload is stored encrypted with
 * the system key, bound to the row's dedupe key.
 */
export interface OutboxMessage {
  text: string;
  parseMode?: 'HTML';
  buttons?: IntentButton[][];
}

export interface EnqueueInput {
  /** Unique per message meant to be sent once, e.g. `birthday:<client>:<year>`. */
  dedupeKey: string;
  chatId: number;
  clientId: string | null;
  kind: string;
  message: OutboxMessage;
  notBefore?: Date;
  /** Clients a message to staff names (agendas, alerts): erasing one of them deletes it. */
  aboutClients?: string[];
}

function place(dedupeKey: string) {
  return { table: 'outbox', column: 'payload_enc', rowId: dedupeKey };
}

/**
 * Queues a message in the caller's transaction, so the message exists exactly when the change
 * that caused it does. A second call with the same dedupe key does nothing and returns false.
 */
export async function enqueueMessage(
  db: Db,
  crypto: Crypto,
  input: EnqueueInput,
): Promise<boolean> {
  const inserted = await db
    .insertInto('outbox')
    .values({
      dedupe_key: input.dedupeKey,
      chat_id: input.chatId,
      client_id: input.clientId,
      kind: input.kind,
      payload_enc: crypto.encryptSystem(place(input.dedupeKey), JSON.stringify(input.message)),
      ...(input.notBefore ? { not_before: input.notBefore } : {}),
      ...(input.aboutClients?.length ? { about_client_ids: input.aboutClients } : {}),
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export function readOutboxMessage(
  crypto: Crypto,
  row: { dedupe_key: string; payload_enc: Uint8Array },
): OutboxMessage {
  return JSON.parse(crypto.decryptSystem(place(row.dedupe_key), row.payload_enc)) as OutboxMessage;
}

/**
 * Puts a failed or undeliverable message back in the queue with fresh attempts, for when the
 * cause is gone (the client unblocked the bot, a bad token was fixed). Sent and waiting
 * messages are left as they are: false.
 */
export async function retryMessage(db: Db, id: string, actor: Actor): Promise<boolean> {
  if (!/^[0-9]{1,19}$/.test(id)) return false;
  return inTransaction(db, async (tx) => {
    const row = await tx
      .updateTable('outbox')
      .set({ status: 'pending', attempts: 0, not_before: sql<Date>`now()`, last_error: null })
      .where('id', '=', id)
      .where('status', 'in', ['failed', 'dead'])
      .returning('kind')
      .executeTakeFirst();
    if (!row) return false;
    await recordAudit(tx, actor, {
      action: 'retry',
      entity: 'outbox',
      entityId: id,
      details: { kind: row.kind },
    });
    return true;
  });
}
