import type { Kysely } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import { chatStateKeyPrefix } from '../../domain/clients/chat-state.js';

/**
 * Persisted per-chat state, keyed `chat:<chatId>:<name>`. It holds raw updates (a client's
 * typed allergy included), so the value is encrypted with the system key, bound to its key.
 * Erasing a client deletes these rows (`deleteConversationsOfChat` in the clients domain).
 */
export function conversationKey(chatId: number, name: string): string {
  return `${chatStateKeyPrefix(chatId)}${name}`;
}

export interface StoredValueStore<T> {
  read(key: string): Promise<T | undefined>;
  write(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
}

export function createConversationStore<T>(
  db: Kysely<Database>,
  crypto: Crypto,
): StoredValueStore<T> {
  const place = (key: string) => ({ table: 'conversation_state', column: 'value_enc', rowId: key });
  return {
    async read(key) {
      const row = await db
        .selectFrom('conversation_state')
        .select('value_enc')
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) return undefined;
      return JSON.parse(crypto.decryptSystem(place(key), row.value_enc)) as T;
    },
    async write(key, value) {
      const value_enc = crypto.encryptSystem(place(key), JSON.stringify(value));
      await db
        .insertInto('conversation_state')
        .values({ key, value_enc })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value_enc, updated_at: new Date() }))
        .execute();
    },
    async delete(key) {
      await db.deleteFrom('conversation_state').where('key', '=', key).execute();
    },
  };
}
