/**
 * Changing clients: create, update, erase, and the bot-blocked flag. Each takes the handle first
 * and writes the change and its audit entry on it; the caller's transaction makes them one.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { NotFoundError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/transaction.js';
import { deleteConversationsOfChat } from './chat-state.js';
import { type Client, type ClientInput, encryptClientInput, toClient } from './client-rows.js';

/** What the client commands need besides the handle. */
export interface ClientDeps {
  crypto: Crypto;
  /** The runtime's one clock (birthdays may not be in the future). */
  clock: Clock;
}

export async function createClient(
  db: Db,
  deps: ClientDeps,
  input: ClientInput,
  actor: Actor,
): Promise<Client> {
  const { crypto } = deps;
  const id = randomUUID();
  const key = crypto.newDataKey();
  const values = encryptClientInput(
    crypto,
    { id, key, creating: true, today: deps.clock() },
    input,
  );
  const row = await db
    .insertInto('clients')
    .values({
      id,
      data_key: crypto.wrapDataKey(id, key),
      referral_code: crypto.randomToken(8),
      ...values,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(db, actor, {
    action: 'create',
    entity: 'client',
    entityId: id,
    details: { fields: changedFields(input) },
  });
  return toClient(crypto, row, key);
}

export async function updateClient(
  db: Db,
  deps: ClientDeps,
  id: string,
  patch: ClientInput,
  actor: Actor,
): Promise<Client> {
  const { crypto } = deps;
  const current = await db
    .selectFrom('clients')
    .selectAll()
    .where('id', '=', id)
    .where('erased_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw new NotFoundError('client');
  const key = crypto.unwrapDataKey(id, current.data_key);
  const values = encryptClientInput(
    crypto,
    { id, key, creating: false, today: deps.clock() },
    patch,
  );
  const row = await db
    .updateTable('clients')
    .set({ ...values, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(db, actor, {
    action: 'update',
    entity: 'client',
    entityId: id,
    details: { fields: changedFields(patch) },
  });
  return toClient(crypto, row, key);
}

/**
 * Cryptographic erasure: the data key is destroyed and ciphertexts, indexes, the Telegram link,
 * outbox messages (queued and sent) and conversation state removed. Visits stay, anonymous,
 * for statistics.
 */
export async function eraseClient(db: Db, id: string, actor: Actor): Promise<void> {
  const row = await db
    .selectFrom('clients')
    .select(['id', 'telegram_user_id', 'erased_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row || row.erased_at) throw new NotFoundError('client');
  await db
    .updateTable('clients')
    .set({
      data_key: new Uint8Array(0),
      name_enc: null,
      phone_enc: null,
      birthday_enc: null,
      notes_enc: null,
      allergies_enc: null,
      preferences_enc: null,
      phone_bidx: null,
      name_bidx: [],
      birthday_bidx: null,
      telegram_user_id: null,
      tags_enc: null,
      tags_bidx: [],
      referral_code: `erased-${id}`,
      erased_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
  // Every message to or about the client, sent ones too: their payloads are ciphertexts
  // under the system key, which erasure does not destroy.
  await db.deleteFrom('outbox').where('client_id', '=', id).execute();
  await db.deleteFrom('outbox').where(sql<boolean>`${id}::uuid = ANY(about_client_ids)`).execute();
  await db
    .updateTable('visit_feedback')
    .set({ comment_enc: null, client_id: null })
    .where('client_id', '=', id)
    .execute();
  await db.deleteFrom('client_messages').where('client_id', '=', id).execute();
  if (row.telegram_user_id !== null) {
    await db.deleteFrom('outbox').where('chat_id', '=', row.telegram_user_id).execute();
    await deleteConversationsOfChat(db, Number(row.telegram_user_id));
    await db
      .deleteFrom('client_messages')
      .where('telegram_user_id', '=', row.telegram_user_id)
      .execute();
  }
  await recordAudit(db, actor, { action: 'erase', entity: 'client', entityId: id });
}

/** Telegram tells us when a user blocks or unblocks the bot; messages stop and resume. */
export async function setBotBlocked(
  db: Db,
  telegramUserId: number,
  blocked: boolean,
): Promise<void> {
  await db
    .updateTable('clients')
    .set({ blocked_bot_at: blocked ? sql`now()` : null })
    .where('telegram_user_id', '=', String(telegramUserId))
    .execute();
}

/**
 * Checks an input exactly as create (or update) would, without writing anything: the same code
 * runs, with a throwaway key.
 */
export function validateClientInput(deps: ClientDeps, input: ClientInput, creating = true): void {
  encryptClientInput(
    deps.crypto,
    {
      id: '00000000-0000-4000-8000-000000000000',
      key: deps.crypto.newDataKey(),
      creating,
      today: deps.clock(),
    },
    input,
  );
}

function changedFields(input: ClientInput): string[] {
  return Object.entries(input)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k)
    .sort();
}
