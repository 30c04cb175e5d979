import type { Kysely } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../logger.js';
import { indexColumns } from '../clients/client-service.js';

const CLIENT_FIELDS = [
  'name_enc',
  'phone_enc',
  'birthday_enc',
  'notes_enc',
  'allergies_enc',
  'preferences_enc',
] as const;

/**
 * Re-encrypts everything under the current master key: each client gets a fresh data key
 * (every field re-encrypted, every blind index rebuilt with the current index keys), and rows
 * under the system key are re-sealed. Batches are single transactions and every row stays
 * readable at every moment, so a run that stops half-way is finished by running it again.
 * `crypto` must hold the new key as current and the old ones as previous.
 */
export async function rotateKeys(deps: {
  db: Kysely<Database>;
  crypto: Crypto;
  logger: Logger;
  batchSize?: number;
}): Promise<{ clients: number; systemRows: number }> {
  const { db, crypto, logger } = deps;
  const batchSize = deps.batchSize ?? 200;
  let clients = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const done = await db.transaction().execute(async (tx) => {
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
        const oldKey = crypto.unwrapDataKey(row.id, row.data_key);
        const newKey = crypto.newDataKey();
        const plain = {} as Record<(typeof CLIENT_FIELDS)[number], string | null>;
        const sealed: Partial<Record<(typeof CLIENT_FIELDS)[number], Uint8Array | null>> = {};
        for (const column of CLIENT_FIELDS) {
          const value = row[column];
          const place = { table: 'clients', column, rowId: row.id };
          plain[column] = value ? crypto.decrypt(oldKey, place, value) : null;
          sealed[column] =
            plain[column] === null ? null : crypto.encrypt(newKey, place, plain[column]);
        }
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
  const outbox = await db
    .selectFrom('outbox')
    .select(['id', 'dedupe_key', 'payload_enc'])
    .execute();
  for (const row of outbox) {
    if (!crypto.isSystemCiphertextUnderOldKey(row.payload_enc)) continue;
    const place = { table: 'outbox', column: 'payload_enc', rowId: row.dedupe_key };
    const payload_enc = crypto.encryptSystem(place, crypto.decryptSystem(place, row.payload_enc));
    await db.updateTable('outbox').set({ payload_enc }).where('id', '=', row.id).execute();
    systemRows++;
  }
  const states = await db.selectFrom('conversation_state').select(['key', 'value_enc']).execute();
  for (const row of states) {
    if (!crypto.isSystemCiphertextUnderOldKey(row.value_enc)) continue;
    const place = { table: 'conversation_state', column: 'value_enc', rowId: row.key };
    const value_enc = crypto.encryptSystem(place, crypto.decryptSystem(place, row.value_enc));
    await db
      .updateTable('conversation_state')
      .set({ value_enc })
      .where('key', '=', row.key)
      .execute();
    systemRows++;
  }
  const messages = await db.selectFrom('client_messages').select(['id', 'body_enc']).execute();
  for (const row of messages) {
    if (!crypto.isSystemCiphertextUnderOldKey(row.body_enc)) continue;
    const place = { table: 'client_messages', column: 'body_enc', rowId: row.id };
    const body_enc = crypto.encryptSystem(place, crypto.decryptSystem(place, row.body_enc));
    await db.updateTable('client_messages').set({ body_enc }).where('id', '=', row.id).execute();
    systemRows++;
  }
  return { clients, systemRows };
}
