import type { Context, MiddlewareFn } from 'grammy';
import pg from 'pg';
import { keepAliveWithoutServer } from '../db/connect.js';
import { claimStatement } from './processed-updates.js';

/** Advisory-lock namespace of chat turns (the first of the two-int key). */
const CHAT_LOCKS = 0x636c_6b31; // 'clk1'

/** Another process held the chat for longer than the bounded wait. */
export class ChatBusyError extends Error {
  override name = 'ChatBusyError';
}

export interface ChatLocks {
  /**
   * Runs each chat's updates one at a time, in this process and across all of them, and each
   * update once: the update's claim commits with its handler's success.
   */
  readonly middleware: MiddlewareFn<Context>;
  close(): Promise<void>;
}

/** A chat key written into SQL: chat and user ids are integers, anything else is refused. */
function numericKey(key: string): string {
  if (!/^-?\d{1,20}$/.test(key)) throw new TypeError('a chat key is an integer');
  return key;
}

/** The chat an update belongs to (a user's private chat when there is no chat). */
export function chatKey(ctx: Context): string | undefined {
  return ctx.chat?.id.toString() ?? ctx.from?.id.toString();
}

/**
 * One chat's updates are handled one at a time across every process: in process by a queue per
 * chat (first come, first served), across processes by a transaction-scoped advisory lock keyed
 * by the chat, held while the handler runs. Different chats never wait for each other.
 *
 * The same transaction claims the update id (processed_updates): an update already claimed is
 * skipped; the claim commits only when the handler succeeded and is rolled back when it throws
 * or the process dies, so an update Telegram delivers again after a failure is handled then,
 * and one it delivers twice is handled once.
 *
 * The locks live on their own small pool: a handler holding one must never wait for the
 * connections the handlers themselves use. The wait is bounded: past `waitMs` the update fails
 * with ChatBusyError (a webhook answers 500 and Telegram delivers it again later; polling tries
 * it again before moving on). A process that dies releases its locks with its connections.
 */
export function createChatLocks(
  main: pg.Pool,
  options: { connections?: number; waitMs?: number } = {},
): ChatLocks {
  const waitMs = options.waitMs ?? 10_000;
  const pool = new pg.Pool({
    ...main.options,
    max: options.connections ?? 20,
    connectionTimeoutMillis: waitMs,
  });
  // A lost connection (the server restarting) must not crash the process.
  keepAliveWithoutServer(pool);
  const queues = new Map<string, Promise<void>>();

  async function underLock(
    key: string | undefined,
    updateId: number,
    next: () => Promise<void>,
  ): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw new ChatBusyError(`no connection for the chat lock: ${(err as Error).message}`);
    }
    // Ending the transaction settles the claim and releases the lock; a connection that failed
    // is thrown away. A COMMIT that fails throws: the update then counts as not handled.
    const settle = async (command: 'COMMIT' | 'ROLLBACK') => {
      try {
        await client.query(command);
        client.release();
      } catch (err) {
        client.release(err instanceof Error ? err : true);
        if (command === 'COMMIT') throw err;
      }
    };
    try {
      let claimed: boolean;
      try {
        // One round trip instead of four: every update of every chat passes here. The claim
        // waits, within lock_timeout, for another process that holds the same update unsettled.
        const results = (await client.query(
          [
            'BEGIN',
            `SET LOCAL lock_timeout = ${Math.floor(waitMs)}`,
            ...(key === undefined
              ? []
              : [`SELECT pg_advisory_xact_lock(${CHAT_LOCKS}, hashtext('${numericKey(key)}'))`]),
            claimStatement(updateId),
          ].join('; '),
        )) as unknown as pg.QueryResult[];
        claimed = results.at(-1)?.rowCount === 1;
      } catch (err) {
        if ((err as { code?: string }).code === '55P03')
          throw new ChatBusyError(`chat ${key ?? '-'} stayed busy for ${waitMs} ms`);
        throw err;
      }
      if (claimed) await next(); // otherwise handled already
    } catch (err) {
      await settle('ROLLBACK');
      throw err;
    }
    await settle('COMMIT');
  }

  return {
    middleware: async (ctx, next) => {
      const key = chatKey(ctx);
      const updateId = ctx.update.update_id;
      if (key === undefined) return underLock(undefined, updateId, next);
      const before = queues.get(key) ?? Promise.resolve();
      let done!: () => void;
      const mine = new Promise<void>((resolve) => {
        done = resolve;
      });
      queues.set(key, mine);
      try {
        await before;
        await underLock(key, updateId, next);
      } finally {
        done();
        if (queues.get(key) === mine) queues.delete(key);
      }
    },
    close: () => pool.end(),
  };
}
