import { type Kysely, sql, type Transaction } from 'kysely';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';

/** The keyboards the bot attaches, as Telegram describes them (the parts the sandbox shows). */
export interface ReplyMarkup {
  inline_keyboard?: { text: string; callback_data?: string; url?: string }[][];
  keyboard?: ({ text: string; request_contact?: boolean } | string)[][];
  remove_keyboard?: boolean;
  one_time_keyboard?: boolean;
}

export interface SandboxFile {
  name: string;
  mimeType: string;
  bytes: Buffer;
}

/** One line of a sandbox chat. Sealed whole, since it holds what people typed and what the bot said. */
export interface MessageBody {
  kind: 'text' | 'photo' | 'document' | 'contact' | 'toast';
  text?: string;
  caption?: string;
  parseMode?: string;
  replyMarkup?: ReplyMarkup;
  file?: { name: string; mimeType: string; size: number };
  contact?: { phone: string };
}

export interface ChatMessage {
  /** The row's id: increases with every line, for "what is new since". */
  id: string;
  messageId: number | null;
  fromBot: boolean;
  body: MessageBody;
  edited: boolean;
  deleted: boolean;
  at: Date;
}

export interface Persona {
  id: number;
  kind: 'client' | 'master';
  name: string;
  language: 'ru' | 'en';
  staffUserId: string | null;
  createdAt: Date;
}

const personaName = (id: number | string) => ({
  table: 'sandbox_personas',
  column: 'name_enc',
  rowId: String(id),
});
const messageBody = (id: string) => ({ table: 'sandbox_messages', column: 'body_enc', rowId: id });
const messageFile = (id: string) => ({ table: 'sandbox_messages', column: 'file_enc', rowId: id });
const updatePayload = (id: string) => ({
  table: 'sandbox_updates',
  column: 'payload_enc',
  rowId: id,
});

type Db = Kysely<Database>;

export async function insertPersona(
  db: Db,
  crypto: Crypto,
  input: {
    kind: Persona['kind'];
    name: string;
    language: Persona['language'];
    staffUserId: string | null;
    createdBy: string | null;
  },
): Promise<Persona> {
  const { rows } = await sql<{ id: string }>`SELECT nextval('sandbox_persona_ids') AS id`.execute(
    db,
  );
  const id = rows[0]?.id ?? '';
  const row = await db
    .insertInto('sandbox_personas')
    .values({
      telegram_user_id: id,
      kind: input.kind,
      name_enc: crypto.encryptSystem(personaName(id), input.name),
      language: input.language,
      staff_user_id: input.staffUserId,
      created_by: input.createdBy,
    })
    .returning('created_at')
    .executeTakeFirstOrThrow();
  return {
    id: Number(id),
    kind: input.kind,
    name: input.name,
    language: input.language,
    staffUserId: input.staffUserId,
    createdAt: row.created_at,
  };
}

export async function listPersonas(db: Db, crypto: Crypto): Promise<Persona[]> {
  const rows = await db
    .selectFrom('sandbox_personas')
    .selectAll()
    .orderBy('created_at')
    .orderBy('telegram_user_id')
    .execute();
  return rows.map((r) => toPersona(crypto, r));
}

export async function findPersona(db: Db, crypto: Crypto, id: number): Promise<Persona | null> {
  const row = await db
    .selectFrom('sandbox_personas')
    .selectAll()
    .where('telegram_user_id', '=', String(id))
    .executeTakeFirst();
  return row ? toPersona(crypto, row) : null;
}

function toPersona(
  crypto: Crypto,
  r: {
    telegram_user_id: string;
    kind: Persona['kind'];
    name_enc: Uint8Array;
    language: Persona['language'];
    staff_user_id: string | null;
    created_at: Date;
  },
): Persona {
  return {
    id: Number(r.telegram_user_id),
    kind: r.kind,
    name: crypto.decryptSystem(personaName(r.telegram_user_id), r.name_enc),
    language: r.language,
    staffUserId: r.staff_user_id,
    createdAt: r.created_at,
  };
}

/** Adds a line to a persona's chat; `numbered` lines get the chat's next Telegram message id. */
export async function appendMessage(
  db: Db,
  crypto: Crypto,
  personaId: number,
  message: { fromBot: boolean; body: MessageBody; file?: SandboxFile; numbered: boolean },
): Promise<{ id: string; messageId: number | null; at: Date }> {
  return db.transaction().execute(async (trx) => {
    await lockChat(trx, personaId);
    let messageId: number | null = null;
    if (message.numbered) {
      const next = await trx
        .updateTable('sandbox_personas')
        .set({ last_message_id: sql`last_message_id + 1` })
        .where('telegram_user_id', '=', String(personaId))
        .returning('last_message_id')
        .executeTakeFirst();
      if (!next) throw new Error('sandbox persona not found');
      messageId = next.last_message_id;
    }
    const { rows } = await sql<{
      id: string;
    }>`SELECT nextval('sandbox_messages_id_seq') AS id`.execute(trx);
    const id = rows[0]?.id ?? '';
    const row = await trx
      .insertInto('sandbox_messages')
      .values({
        id,
        persona_id: personaId,
        message_id: messageId,
        from_bot: message.fromBot,
        body_enc: crypto.encryptSystem(messageBody(id), JSON.stringify(message.body)),
        file_enc: message.file
          ? crypto.encryptSystem(messageFile(id), message.file.bytes.toString('base64'))
          : null,
      } as never)
      .returning('created_at')
      .executeTakeFirstOrThrow();
    return { id, messageId, at: row.created_at };
  });
}

/** Changes a bot message in place (editMessageText / editMessageReplyMarkup). */
export async function editMessage(
  db: Db,
  crypto: Crypto,
  personaId: number,
  messageId: number,
  change: (body: MessageBody) => MessageBody,
): Promise<ChatMessage | null> {
  return db.transaction().execute(async (trx) => {
    await lockChat(trx, personaId);
    const row = await trx
      .selectFrom('sandbox_messages')
      .selectAll()
      .where('persona_id', '=', String(personaId))
      .where('message_id', '=', messageId)
      .where('deleted_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return null;
    const body = change(readBody(crypto, row));
    // A new row id, so pollers asking "what is new since" see the edit.
    const { rows } = await sql<{
      id: string;
    }>`SELECT nextval('sandbox_messages_id_seq') AS id`.execute(trx);
    const id = rows[0]?.id ?? '';
    const updated = await trx
      .updateTable('sandbox_messages')
      .set({
        id,
        body_enc: crypto.encryptSystem(messageBody(id), JSON.stringify(body)),
        file_enc: row.file_enc
          ? crypto.encryptSystem(
              messageFile(id),
              crypto.decryptSystem(messageFile(row.id), row.file_enc),
            )
          : null,
        edited_at: new Date(),
      } as never)
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toMessage(crypto, updated);
  });
}

/** Marks a message deleted and drops its text and file (sealed again under its new row id). */
export async function deleteMessage(
  db: Db,
  crypto: Crypto,
  personaId: number,
  messageId: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockChat(trx, personaId);
    const row = await trx
      .selectFrom('sandbox_messages')
      .select('id')
      .where('persona_id', '=', String(personaId))
      .where('message_id', '=', messageId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) return false;
    const id = await nextMessageRowId(trx);
    await trx
      .updateTable('sandbox_messages')
      .set({
        id,
        body_enc: crypto.encryptSystem(messageBody(id), JSON.stringify({ kind: 'text' })),
        file_enc: null,
        deleted_at: new Date(),
      } as never)
      .where('id', '=', row.id)
      .execute();
    return true;
  });
}

async function nextMessageRowId(trx: Transaction<Database>): Promise<string> {
  const { rows } = await sql<{
    id: string;
  }>`SELECT nextval('sandbox_messages_id_seq') AS id`.execute(trx);
  return rows[0]?.id ?? '';
}

/**
 * Readers follow a chat by "rows after id N". An id taken from the sequence by one transaction
 * and committed after a larger one would be skipped for good; so every write to a chat holds
 * the persona's row lock and takes its id under it: ids then commit in order, per chat.
 */
async function lockChat(trx: Transaction<Database>, personaId: number): Promise<void> {
  const row = await trx
    .selectFrom('sandbox_personas')
    .select('telegram_user_id')
    .where('telegram_user_id', '=', String(personaId))
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new Error('sandbox persona not found');
}

/** A persona's chat after the line `after` (a row id), oldest first, at most `limit` lines. */
export async function chatSince(
  db: Db,
  crypto: Crypto,
  personaId: number,
  after: string,
  limit = 200,
): Promise<ChatMessage[]> {
  const rows = await db
    .selectFrom('sandbox_messages')
    .selectAll()
    .where('persona_id', '=', String(personaId))
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => toMessage(crypto, r));
}

export async function findMessage(
  db: Db,
  crypto: Crypto,
  personaId: number,
  messageId: number,
): Promise<ChatMessage | null> {
  const row = await db
    .selectFrom('sandbox_messages')
    .selectAll()
    .where('persona_id', '=', String(personaId))
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return row ? toMessage(crypto, row) : null;
}

export async function readFile(
  db: Db,
  crypto: Crypto,
  personaId: number,
  messageId: number,
): Promise<SandboxFile | null> {
  const row = await db
    .selectFrom('sandbox_messages')
    .select(['id', 'body_enc', 'file_enc'])
    .where('persona_id', '=', String(personaId))
    .where('message_id', '=', messageId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row?.file_enc) return null;
  const body = readBody(crypto, row);
  return {
    name: body.file?.name ?? 'file',
    mimeType: body.file?.mimeType ?? 'application/octet-stream',
    bytes: Buffer.from(crypto.decryptSystem(messageFile(row.id), row.file_enc), 'base64'),
  };
}

function readBody(crypto: Crypto, row: { id: string; body_enc: Uint8Array }): MessageBody {
  return JSON.parse(crypto.decryptSystem(messageBody(row.id), row.body_enc)) as MessageBody;
}

function toMessage(
  crypto: Crypto,
  row: {
    id: string;
    message_id: number | null;
    from_bot: boolean;
    body_enc: Uint8Array;
    edited_at: Date | null;
    deleted_at: Date | null;
    created_at: Date;
  },
): ChatMessage {
  return {
    id: row.id,
    messageId: row.message_id,
    fromBot: row.from_bot,
    body: row.deleted_at ? { kind: 'text' } : readBody(crypto, row),
    edited: row.edited_at !== null,
    deleted: row.deleted_at !== null,
    at: row.created_at,
  };
}

/** Queues an update for the bot's getUpdates; the id comes from the table's sequence. */
export async function enqueueUpdate(
  db: Db,
  crypto: Crypto,
  personaId: number,
  build: (updateId: number) => Record<string, unknown>,
): Promise<number> {
  // One writer at a time: getUpdates confirms "everything before offset", so an update whose id
  // committed after a larger one had been fetched would be deleted unseen.
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('clientele:sandbox-updates'))`.execute(trx);
    const { rows } = await sql<{
      id: string;
    }>`SELECT nextval('sandbox_updates_update_id_seq') AS id`.execute(trx);
    const id = rows[0]?.id ?? '';
    const update = build(Number(id));
    await trx
      .insertInto('sandbox_updates')
      .values({
        update_id: id,
        persona_id: personaId,
        payload_enc: crypto.encryptSystem(updatePayload(id), JSON.stringify(update)),
      } as never)
      .execute();
    return Number(id);
  });
}

/**
 * Telegram's getUpdates: an offset confirms (here: deletes) every update before it; the rest
 * are returned oldest first.
 */
export async function takeUpdates(
  db: Db,
  crypto: Crypto,
  offset: number,
  limit: number,
): Promise<Record<string, unknown>[]> {
  if (offset > 0)
    await db.deleteFrom('sandbox_updates').where('update_id', '<', String(offset)).execute();
  const rows = await db
    .selectFrom('sandbox_updates')
    .select(['update_id', 'payload_enc'])
    .orderBy('update_id')
    .limit(limit)
    .execute();
  return rows.map(
    (r) =>
      JSON.parse(crypto.decryptSystem(updatePayload(r.update_id), r.payload_enc)) as Record<
        string,
        unknown
      >,
  );
}
