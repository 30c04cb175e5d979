import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import { DecryptionError, KeyError } from '../../crypto/errors.js';
import type { Logger } from '../../logger.js';
import { indexColumns } from '../clients/client-rows.js';
import { sealHolidayAudiences } from '../greetings/audience-store.js';
import { type Db, inTransaction } from '../shared/transaction.js';

const CLIENT_FIELDS = [
  'name_enc',
  'phone_enc',
  'birthday_enc',
  'notes_enc',
  'allergies_enc',
  'preferences_enc',
  'tags_enc',
] as const;

/**
 * Re-encrypts everything under the current master key: each client gets a fresh data key
 * (every field, tags included, re-encrypted, every blind index rebuilt with the current index
 * keys), and rows under the system key (holiday audiences by tag included) are re-sealed. Batches are single transactions and every row stays
 * readable at every moment, so a run that stops half-way is finished by running it again.
 * `crypto` must hold the new key as current and the old ones as previous.
 */
export async function rotateKeys(deps: {
  db: Db;
  crypto: Crypto;
  logger: Logger;
  batchSize?: number;
}): Promise<{ clients: number; systemRows: number }> {
  const { db, crypto, logger } = deps;
  const batchSize = deps.batchSize ?? 200;
  let clients = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const done = await inTransaction(db, async (tx) => {
      const rows = await tx
        .selectFrom('clients')
        .selectAll()
        .where('id', '>', after)
        .where('erased_at', 'is', null)
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .execute();
      for (const row of rows) {
        const newKey = crypto.newDataKey();
        const plain = {} as Record<(typeof CLIENT_FIELDS)[number], string | null>;
        const sealed: Partial<Record<(typeof CLIENT_FIELDS)[number], Uint8Array | null>> = {};
        inRow(`client ${row.id}`, () => {
          const oldKey = crypto.unwrapDataKey(row.id, row.data_key);
          for (const column of CLIENT_FIELDS) {
            const value = row[column];
            const place = { table: 'clients', column, rowId: row.id };
            plain[column] = value ? crypto.decrypt(oldKey, place, value) : null;
            sealed[column] =
              plain[column] === null ? null : crypto.encrypt(newKey, place, plain[column]);
          }
        });
        await tx
          .updateTable('clients')
          .set({
            ...sealed,
            ...indexColumns(crypto, plain),
            data_key: crypto.wrapDataKey(row.id, newKey),
          })
          .where('id', '=', row.id)
          .execute();
      }
      after = rows.at(-1)?.id ?? after;
      return rows.length;
    });
    clients += done;
    if (done > 0) logger.info({ clients }, 'clients re-encrypted');
    if (done < batchSize) break;
  }

  let systemRows = 0;
  for (const target of SYSTEM_CIPHERTEXTS) {
    systemRows += await resealSystemRows(db, crypto, target, batchSize);
  }
  // Holiday audiences by tag keep their tags under the system key, inside jsonb.
  systemRows += await sealHolidayAudiences(db, crypto);
  if (systemRows > 0) logger.info({ systemRows }, 'system rows re-encrypted');
  return { clients, systemRows };
}

/** Rows encrypted with the system key, and the value each ciphertext is bound to. */
const SYSTEM_CIPHERTEXTS = [
  { table: 'outbox', id: 'id', column: 'payload_enc', boundTo: 'dedupe_key' },
  { table: 'conversation_state', id: 'key', column: 'value_enc', boundTo: 'key' },
  { table: 'client_messages', id: 'id', column: 'body_enc', boundTo: 'id' },
  {
    table: 'sandbox_personas',
    id: 'telegram_user_id',
    column: 'name_enc',
    boundTo: 'telegram_user_id',
  },
  { table: 'sandbox_messages', id: 'id', column: 'body_enc', boundTo: 'id' },
  { table: 'sandbox_messages', id: 'id', column: 'file_enc', boundTo: 'id' },
  { table: 'sandbox_updates', id: 'update_id', column: 'payload_enc', boundTo: 'update_id' },
] as const;

/**
 * Re-seals one table's system ciphertexts that are under an old key, a batch at a time. Each
 * update applies only if the ciphertext is still the one that was read, so a value the running
 * bot wrote in between (conversation state changes all the time) is never replaced by an older
 * one; such a row is under the key the bot uses, and a second run picks it up if that is old.
 */
async function resealSystemRows(
  db: Db,
  crypto: Crypto,
  target: (typeof SYSTEM_CIPHERTEXTS)[number],
  batchSize: number,
): Promise<number> {
  const { table, id, column, boundTo } = target;
  let resealed = 0;
  let after: string | null = null;
  for (;;) {
    const { rows } = await sql<{ id: string; bound: string; ciphertext: Uint8Array }>`
      SELECT ${sql.ref(id)} AS id, ${sql.ref(boundTo)}::text AS bound,
        ${sql.ref(column)} AS ciphertext
      FROM ${sql.table(table)}
      WHERE ${sql.ref(column)} IS NOT NULL
        AND ${after === null ? sql`true` : sql`${sql.ref(id)} > ${after}`}
      ORDER BY ${sql.ref(id)}
      LIMIT ${batchSize}`.execute(db);
    for (const row of rows) {
      if (!crypto.isSystemCiphertextUnderOldKey(row.ciphertext)) continue;
      const place = { table, column, rowId: row.bound };
      // Conversation keys hold a Telegram chat id: name the table only.
      const label = table === 'conversation_state' ? table : `${table} ${row.id}`;
      const next = inRow(label, () =>
        crypto.encryptSystem(place, crypto.decryptSystem(place, row.ciphertext)),
      );
      const result = await sql`
        UPDATE ${sql.table(table)} SET ${sql.ref(column)} = ${next}
        WHERE ${sql.ref(id)} = ${row.id} AND ${sql.ref(column)} = ${row.ciphertext}`.execute(db);
      if (Number(result.numAffectedRows ?? 0) > 0) resealed++;
    }
    const last = rows.at(-1);
    if (!last || rows.length < batchSize) return resealed;
    after = last.id;
  }
}

/** Names the row (by id only) in a key or decryption error, so an operator can find it. */
function inRow<T>(row: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof KeyError) throw new KeyError(`${row}: ${err.message}`);
    if (err instanceof DecryptionError) throw new DecryptionError(`${row}: ${err.message}`);
    throw err;
  }
}
