import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Logger } from '../../logger.js';
import { sealHolidayAudiences } from '../greetings/audience-store.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import { tagColumns } from './client-rows.js';

/**
 * Encrypts tags stored before they were encrypted (migration 20261201T1000 added the
 * encrypted column; a migration cannot reach the key, so this runs at every start-up, through
 * the domain, until there is nothing left to do):
 * 1. a batch at a time, each client's plaintext tags are joined to its encrypted ones, sealed
 *    under its data key with their blind indexes, and the plaintext emptied, in one transaction
 *    (the row locked: a run that stops half-way loses nothing and the next start finishes it);
 * 2. holiday audiences that name tags are re-stored encrypted;
 * 3. only when no row holds a plaintext tag any more is the `tags` column dropped, so a
 *    failure in 1 or 2 never loses a tag. Later starts find no column and return at once.
 * Several replicas starting together are safe: rows are locked and re-checked, the drop is
 * `IF EXISTS`.
 */
export async function encryptPlaintextTags(deps: {
  db: Db;
  crypto: Crypto;
  logger: Logger;
  batchSize?: number;
}): Promise<{ clients: number; holidays: number; dropped: boolean }> {
  const { db, crypto, logger } = deps;
  const batchSize = deps.batchSize ?? 200;
  const holidays = await sealHolidayAudiences(db, crypto);
  if (!(await hasPlaintextColumn(db))) return { clients: 0, holidays, dropped: false };
  let clients = 0;
  for (;;) {
    const done = await inTransaction(db, async (tx) => {
      const { rows } = await sql<{
        id: string;
        data_key: Uint8Array;
        tags: string[];
        tags_enc: Uint8Array | null;
        erased_at: Date | null;
      }>`SELECT id, data_key, tags, tags_enc, erased_at FROM clients
        WHERE tags <> '{}' ORDER BY id LIMIT ${batchSize} FOR UPDATE`.execute(tx);
      for (const row of rows) {
        // An erased client keeps nothing: its plaintext is only emptied.
        if (row.erased_at || row.data_key.length === 0) {
          await sql`UPDATE clients SET tags = '{}' WHERE id = ${row.id}`.execute(tx);
          continue;
        }
        const key = crypto.unwrapDataKey(row.id, row.data_key);
        const place = { table: 'clients', column: 'tags_enc', rowId: row.id };
        const sealed: string[] = row.tags_enc
          ? JSON.parse(crypto.decrypt(key, place, row.tags_enc))
          : [];
        const tags = [...new Set([...sealed, ...row.tags])];
        const columns = tagColumns(crypto, key, row.id, tags);
        await sql`UPDATE clients SET tags_enc = ${columns.tags_enc},
          tags_bidx = ${sql.val(columns.tags_bidx)}::integer[], tags = '{}'
          WHERE id = ${row.id}`.execute(tx);
      }
      return rows.length;
    });
    clients += done;
    if (done < batchSize) break;
  }
  const { rows } = await sql<{ left: boolean }>`
    SELECT EXISTS (SELECT 1 FROM clients WHERE tags <> '{}') AS left`.execute(db);
  let dropped = false;
  if (!rows[0]?.left) {
    await sql`ALTER TABLE clients DROP COLUMN IF EXISTS tags`.execute(db);
    dropped = true;
  }
  if (clients > 0 || holidays > 0 || dropped)
    logger.info({ clients, holidays, dropped }, 'plaintext tags encrypted');
  return { clients, holidays, dropped };
}

async function hasPlaintextColumn(db: Db): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'clients' AND column_name = 'tags'`.execute(
    db,
  );
  return (rows[0]?.n ?? 0) > 0;
}
