import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Db } from '../shared/transaction.js';
import { type Audience, audienceSchema } from './greeting-service.js';

/**
 * How a holiday's audience is kept in `holidays.audience` (jsonb). Tags are personal (they say
 * things about clients), so an audience by tags keeps them only encrypted, under the system key
 * and bound to the holiday: `{ kind: 'tags', tags_enc: <base64> }`. The greetings job decrypts
 * them and finds the clients through the tag blind index. Other audiences are stored as they are.
 */
interface StoredTags {
  kind: 'tags';
  tags_enc: string;
}

const place = (holidayId: string) => ({ table: 'holidays', column: 'audience', rowId: holidayId });

export function storeAudience(crypto: Crypto, holidayId: string, audience: Audience): unknown {
  if (audience.kind !== 'tags') return audience;
  const sealed = crypto.encryptSystem(place(holidayId), JSON.stringify(audience.tags));
  return { kind: 'tags', tags_enc: Buffer.from(sealed).toString('base64') } satisfies StoredTags;
}

function isStoredTags(value: unknown): value is StoredTags {
  const v = value as Partial<StoredTags> | null;
  return v?.kind === 'tags' && typeof v.tags_enc === 'string';
}

/**
 * The audience as the domain uses it, or null when the stored value is unreadable. A plaintext
 * `{ kind: 'tags', tags: [...] }` written before the start-up step encrypted it is still read.
 */
export function readAudience(crypto: Crypto, holidayId: string, stored: unknown): Audience | null {
  if (isStoredTags(stored)) {
    try {
      const tags: unknown = JSON.parse(
        crypto.decryptSystem(place(holidayId), Buffer.from(stored.tags_enc, 'base64')),
      );
      const parsed = audienceSchema.safeParse({ kind: 'tags', tags });
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
  const parsed = audienceSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

/** Whether a stored audience still holds plaintext tags, or tags under an old key. */
function needsSealing(crypto: Crypto, stored: unknown): boolean {
  if (isStoredTags(stored))
    return crypto.isSystemCiphertextUnderOldKey(Buffer.from(stored.tags_enc, 'base64'));
  return (stored as { kind?: unknown } | null)?.kind === 'tags';
}

/**
 * Re-stores every holiday audience by tags that is plaintext (from before tags were encrypted)
 * or under an old master key. Each update applies only if the row still holds what was read.
 */
export async function sealHolidayAudiences(db: Db, crypto: Crypto): Promise<number> {
  const rows = await db
    .selectFrom('holidays')
    .select(['id', 'audience'])
    .where(sql<boolean>`audience->>'kind' = 'tags'`)
    .execute();
  let sealed = 0;
  for (const row of rows) {
    if (!needsSealing(crypto, row.audience)) continue;
    const audience = readAudience(crypto, row.id, row.audience);
    // An unreadable audience is sealed empty: it keeps nothing in the clear and, like any
    // unreadable audience, greets nobody (never everybody).
    const next = audience
      ? storeAudience(crypto, row.id, audience)
      : {
          kind: 'tags',
          tags_enc: Buffer.from(crypto.encryptSystem(place(row.id), '[]')).toString('base64'),
        };
    const result = await db
      .updateTable('holidays')
      .set({ audience: JSON.stringify(next) })
      .where('id', '=', row.id)
      .where(sql<boolean>`audience = ${JSON.stringify(row.audience)}::jsonb`)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) sealed++;
  }
  return sealed;
}
