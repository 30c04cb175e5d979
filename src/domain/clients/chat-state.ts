import type { Db } from '../shared/transaction.js';

/**
 * The bot keeps per-chat state (conversations in progress, the language chosen before
 * registering) under keys `chat:<chatId>:<name>`. The store itself is bot infrastructure
 * (`src/bot/conversations/conversation-store.ts`); erasing a client's data is a domain rule, so
 * the key's prefix and the delete live here and the bot builds its keys from this prefix.
 */
export function chatStateKeyPrefix(chatId: number): string {
  return `chat:${chatId}:`;
}

/** Deletes everything stored about one chat, in the caller's transaction. */
export async function deleteConversationsOfChat(db: Db, chatId: number): Promise<void> {
  await db
    .deleteFrom('conversation_state')
    .where('key', 'like', `${chatStateKeyPrefix(chatId)}%`)
    .execute();
}
