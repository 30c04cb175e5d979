import type {
  ConversationData,
  ConversationStorage,
  VersionedState,
} from '@grammyjs/conversations';
import type { MiddlewareFn } from 'grammy';
import type { Kysely } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { BaseContext, BotContext } from '../context.js';
import { MENU_KEYS } from '../keyboards.js';
import { conversationKey, createConversationStore } from './conversation-store.js';

/**
 * Bump when the shape of a conversation's replayed data changes (its steps, or the keys of what
 * `conversation.external` returns): state stored by the old code is then not replayed into the
 * new. `tests/e2e/bot-conversation-version.test.ts` fails when the shape changes without a bump.
 */
export const CONVERSATIONS_VERSION = 2;

/** The conversation a chat was in when the bot was upgraded under it. */
interface Interrupted {
  name: string;
  args: unknown[];
}

const interrupted = new WeakMap<object, Interrupted>();

function firstConversation(data: unknown): Interrupted | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  for (const [name, states] of Object.entries(data as Record<string, unknown>)) {
    const first = Array.isArray(states) ? (states[0] as { args?: unknown }) : undefined;
    if (!first) continue;
    try {
      const args = typeof first.args === 'string' ? JSON.parse(first.args) : [];
      return { name, args: Array.isArray(args) ? args : [] };
    } catch {
      return { name, args: [] };
    }
  }
  return undefined;
}

/**
 * The conversations' storage in PostgreSQL, one row per chat. State of another version is
 * deleted on read and the conversation it held remembered for `restartInterrupted`.
 */
export function conversationStorage(
  db: Kysely<Database>,
  crypto: Crypto,
): ConversationStorage<BaseContext, ConversationData> {
  const store = createConversationStore<VersionedState<ConversationData>>(db, crypto);
  const keyOf = (ctx: BaseContext) =>
    ctx.chat?.id === undefined ? undefined : conversationKey(ctx.chat.id, 'conversations');
  return {
    type: 'context',
    version: CONVERSATIONS_VERSION,
    adapter: {
      async read(ctx) {
        const key = keyOf(ctx);
        if (key === undefined) return undefined;
        const stored = await store.read(key);
        if (!stored || stored.version?.[1] === CONVERSATIONS_VERSION) return stored;
        const was = firstConversation(stored.state);
        if (was) interrupted.set(ctx, was);
        ctx.logger.info(
          { conversation: was?.name, version: stored.version?.[1] },
          'outdated conversation dropped',
        );
        await store.delete(key);
        return undefined;
      },
      async write(ctx, state) {
        const key = keyOf(ctx);
        if (key !== undefined) await store.write(key, state);
      },
      async delete(ctx) {
        const key = keyOf(ctx);
        if (key !== undefined) await store.delete(key);
      },
    },
  };
}

/**
 * After an upgrade, the next update of a chat that was mid-conversation (a press on the old
 * step's button, an answer typed to it) gets a short word and the conversation from its first
 * step, with the arguments it was started with. A command or a menu button is handled as usual.
 */
export function restartInterrupted(known: ReadonlySet<string>): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const was = interrupted.get(ctx);
    const text = ctx.message?.text;
    const handledAsUsual =
      text !== undefined && (text.startsWith('/') || MENU_KEYS.some((k) => ctx.t(k) === text));
    if (!was || !known.has(was.name) || handledAsUsual) return next();
    if (ctx.callbackQuery) await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('conversation-restarted'));
    await ctx.conversation.enter(was.name, ...was.args);
  };
}
