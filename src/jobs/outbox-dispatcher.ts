import { Api, GrammyError, HttpError, type InlineKeyboard } from 'grammy';
import { type Kysely, sql } from 'kysely';
import { intentKeyboard } from '../bot/callback-data.js';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import { readOutboxMessage } from '../domain/outbox/outbox.js';
import type { Logger } from '../logger.js';
import { type SendLimits, sendLimits } from './send-limits.js';

export interface DispatcherOptions {
  db: Kysely<Database>;
  crypto: Crypto;
  logger: Logger;
  token: string;
  apiRoot: string;
  /** Messages in any one second, all dispatcher processes together; Telegram allows about 30. */
  ratePerSecond?: number;
  batchSize?: number;
  /** How long a claimed row stays invisible to other dispatchers while it is being sent. */
  leaseSeconds?: number;
  maxAttempts?: number;
  idleMs?: number;
  /** Off in tests that drive runOnce() themselves. */
  loop?: boolean;
  /** Least time between two messages to one chat (Telegram allows about one a second). */
  perChatGapMs?: number;
  /** Calls in flight at once in this process (each holds a database connection meanwhile). */
  concurrency?: number;
  /** One Bot API call is given this long (30 s without it). */
  callTimeoutSeconds?: number;
}

export interface Dispatcher {
  /** Sends what is due now; resolves with how many rows it handled. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

interface ClaimedRow {
  id: string;
  dedupe_key: string;
  chat_id: string;
  client_id: string | null;
  payload_enc: Uint8Array;
  attempts: number;
  blocked: boolean;
}

/** One Bot API call is given this long by default; a held send slot's lease is a little longer. */
const CALL_TIMEOUT_SECONDS = 30;

/**
 * The only sender of outbox messages. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease,
 * so dispatchers on several replicas share the work and a crashed one's rows come back after
 * the lease; each row is marked sent right after Telegram accepts it. The global rate, the
 * one-message-per-second-per-chat gap and 429 pauses hold across all processes (send-limits.ts).
 * Network and 5xx errors are retried with backoff; clients who blocked the bot are marked.
 * Every time here is the database's, so replicas agree on what is due.
 */
export function startDispatcher(options: DispatcherOptions): Dispatcher {
  const { db, crypto } = options;
  const logger = options.logger.child({ module: 'outbox' });
  const callTimeout = options.callTimeoutSeconds ?? CALL_TIMEOUT_SECONDS;
  const api = new Api(options.token, {
    apiRoot: options.apiRoot,
    timeoutSeconds: callTimeout,
  });
  const batchSize = options.batchSize ?? 50;
  const lease = options.leaseSeconds ?? 60;
  const maxAttempts = options.maxAttempts ?? 10;
  const concurrency = options.concurrency ?? 4;
  const limits: SendLimits = sendLimits(db, {
    rate: options.ratePerSecond ?? 25,
    gapMs: options.perChatGapMs ?? 1000,
    leaseSeconds: callTimeout + 5,
  });
  let stopped = false;
  let wake: (() => void) | undefined;
  /** Waits `ms`, or less when stop() is called. */
  const pauseFor = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function claim(): Promise<ClaimedRow[]> {
    const { rows } = await sql<ClaimedRow>`
      UPDATE outbox o SET attempts = o.attempts + 1, not_before = now() + make_interval(secs => ${lease})
      FROM (
        SELECT id FROM outbox
        WHERE status = 'pending' AND not_before <= now()
        ORDER BY not_before, id
        LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED
      ) due
      WHERE o.id = due.id
      RETURNING o.id, o.dedupe_key, o.chat_id, o.client_id, o.payload_enc, o.attempts,
        EXISTS (SELECT 1 FROM clients c WHERE c.id = o.client_id AND c.blocked_bot_at IS NOT NULL) AS blocked`.execute(
      db,
    );
    return rows;
  }

  async function finish(
    id: string,
    status: 'sent' | 'dead' | 'failed',
    error: string | null,
  ): Promise<void> {
    await db
      .updateTable('outbox')
      .set({ status, last_error: error, ...(status === 'sent' ? { sent_at: sql`now()` } : {}) })
      .where('id', '=', id)
      .execute();
  }

  /** Puts a row back for `ms` from now; `refund` when the attempt was not the message's fault. */
  async function retryIn(id: string, ms: number, error: string, refund = false): Promise<void> {
    await db
      .updateTable('outbox')
      .set({
        not_before: sql`now() + make_interval(secs => ${Math.max(ms, 0) / 1000})`,
        last_error: error,
        ...(refund ? { attempts: sql`attempts - 1` } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async function markBlocked(row: ClaimedRow): Promise<void> {
    await db
      .updateTable('clients')
      .set({ blocked_bot_at: sql`now()` })
      .where('telegram_user_id', '=', row.chat_id)
      .execute();
    await finish(row.id, 'dead', 'blocked by the user');
  }

  async function send(row: ClaimedRow): Promise<void> {
    if (row.blocked) {
      await finish(row.id, 'dead', 'blocked by the user');
      return;
    }
    const chat = await limits.takeChat(row.chat_id);
    if (!chat.taken) {
      await retryIn(row.id, chat.waitMs, 'per-chat limit', true);
      return;
    }
    try {
      const slot = await limits.takeSlot(() => stopped);
      if (slot === undefined) {
        await retryIn(row.id, 0, 'dispatcher stopped', true);
        return;
      }
      try {
        await api.sendMessage(Number(row.chat_id), ...messageOf(row));
      } catch (err) {
        await handleFailure(row, err);
        return;
      } finally {
        await limits.freeSlot(slot);
      }
      await finish(row.id, 'sent', null);
    } finally {
      await limits.freeChat(row.chat_id);
    }
  }

  function messageOf(
    row: ClaimedRow,
  ): [string, { parse_mode?: 'HTML' | 'MarkdownV2'; reply_markup?: InlineKeyboard }] {
    const message = readOutboxMessage(crypto, row);
    // Intents are encoded by the bot's one callback-data module; rows queued before intents
    // carry `{text, data}` buttons, sent as they were.
    const keyboard = message.buttons?.length ? intentKeyboard(message.buttons) : undefined;
    return [
      message.text,
      {
        ...(message.parseMode ? { parse_mode: message.parseMode } : {}),
        ...(keyboard ? { reply_markup: keyboard } : {}),
      },
    ];
  }

  async function handleFailure(row: ClaimedRow, err: unknown): Promise<void> {
    if (err instanceof GrammyError) {
      if (err.error_code === 403) return markBlocked(row);
      if (err.error_code === 429) {
        const seconds = err.parameters.retry_after ?? 5;
        await limits.pause(seconds);
        logger.warn({ seconds }, 'Telegram asked to slow down; every dispatcher pauses');
        return retryIn(row.id, seconds * 1000, '429 too many requests', true);
      }
      if (err.error_code < 500)
        return finish(row.id, 'dead', `${err.error_code}: ${err.description}`.slice(0, 300));
    }
    const reason =
      err instanceof HttpError
        ? 'network error'
        : err instanceof GrammyError
          ? `${err.error_code}`
          : 'error';
    if (row.attempts >= maxAttempts) {
      logger.error({ outboxId: row.id, reason }, 'message given up after repeated failures');
      return finish(row.id, 'failed', reason);
    }
    await retryIn(row.id, Math.min(2 ** row.attempts, 3600) * 1000, reason);
  }

  /**
   * Sends a claimed batch with a few calls in flight at once: one at a time, the round trips
   * (database and Telegram) would keep a process well under the rate the slots allow. The rows
   * of one chat go to one worker, in order, so a chat reads its messages in the order queued.
   */
  async function runOnce(): Promise<number> {
    const rows = await claim();
    const byChat = new Map<string, ClaimedRow[]>();
    for (const row of rows) byChat.set(row.chat_id, [...(byChat.get(row.chat_id) ?? []), row]);
    const chats = [...byChat.values()];
    let next = 0;
    const worker = async () => {
      for (let chat = chats[next++]; chat; chat = chats[next++]) {
        for (const row of chat) {
          // Not sent: handed back now rather than after the lease.
          if (stopped) await retryIn(row.id, 0, 'dispatcher stopped', true);
          else await send(row);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, chats.length) }, worker));
    return rows.length;
  }

  const loop = (async () => {
    let idleRounds = 0;
    while (!stopped && options.loop !== false) {
      try {
        const handled = await runOnce();
        if (handled > 0) continue;
        if (++idleRounds % 120 === 0) await limits.forgetQuietChats();
        await pauseFor(options.idleMs ?? 500);
      } catch (err) {
        logger.error(
          { error: err instanceof Error ? err.message : String(err) },
          'dispatcher round failed',
        );
        await pauseFor(1000);
      }
    }
  })();

  return {
    runOnce,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
