import { Api, GrammyError, HttpError, InlineKeyboard } from 'grammy';
import { type Kysely, sql } from 'kysely';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import { readOutboxMessage } from '../domain/outbox/outbox.js';
import type { Logger } from '../logger.js';

export interface DispatcherOptions {
  db: Kysely<Database>;
  crypto: Crypto;
  logger: Logger;
  token: string;
  apiRoot: string;
  /** Messages per second overall; Telegram allows about 30. */
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The only sender of outbox messages. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease,
 * so dispatchers on several replicas share the work and a crashed one's rows come back after
 * the lease; each row is marked sent right after Telegram accepts it. Sending respects a
 * global rate and one message per second per chat, waits out 429s, retries network and 5xx
 * errors with backoff, and marks clients who blocked the bot.
 */
export function startDispatcher(options: DispatcherOptions): Dispatcher {
  const { db, crypto } = options;
  const logger = options.logger.child({ module: 'outbox' });
  const api = new Api(options.token, { apiRoot: options.apiRoot });
  const interval = 1000 / (options.ratePerSecond ?? 25);
  const batchSize = options.batchSize ?? 50;
  const lease = options.leaseSeconds ?? 60;
  const maxAttempts = options.maxAttempts ?? 10;
  const perChatGap = options.perChatGapMs ?? 1000;
  const lastSentToChat = new Map<string, number>();
  let nextSendAt = 0;
  let pausedUntil = 0;
  let stopped = false;

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

  /** Puts a row back for later; `refund` when the attempt was not the message's fault. */
  async function retryAt(id: string, at: Date, error: string, refund = false): Promise<void> {
    await db
      .updateTable('outbox')
      .set({
        not_before: at,
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
    const now = Date.now();
    const last = lastSentToChat.get(row.chat_id) ?? 0;
    if (now - last < perChatGap) {
      await retryAt(row.id, new Date(last + perChatGap), 'per-chat limit', true);
      return;
    }
    const wait = Math.max(nextSendAt, pausedUntil) - now;
    if (wait > 0) await sleep(wait);
    nextSendAt = Date.now() + interval;
    const message = readOutboxMessage(crypto, row);
    let keyboard: InlineKeyboard | undefined;
    if (message.buttons?.length) {
      keyboard = new InlineKeyboard();
      for (const line of message.buttons) {
        for (const b of line) keyboard.text(b.text, b.data);
        keyboard.row();
      }
    }
    try {
      await api.sendMessage(Number(row.chat_id), message.text, {
        ...(message.parseMode ? { parse_mode: message.parseMode } : {}),
        ...(keyboard ? { reply_markup: keyboard } : {}),
      });
      lastSentToChat.set(row.chat_id, Date.now());
      await finish(row.id, 'sent', null);
    } catch (err) {
      await handleFailure(row, err);
    }
  }

  async function handleFailure(row: ClaimedRow, err: unknown): Promise<void> {
    if (err instanceof GrammyError) {
      if (err.error_code === 403) return markBlocked(row);
      if (err.error_code === 429) {
        const seconds = err.parameters.retry_after ?? 5;
        pausedUntil = Date.now() + seconds * 1000;
        logger.warn({ seconds }, 'Telegram asked to slow down');
        return retryAt(row.id, new Date(pausedUntil), '429 too many requests', true);
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
    const backoff = Math.min(2 ** row.attempts, 3600) * 1000;
    await retryAt(row.id, new Date(Date.now() + backoff), reason);
  }

  async function runOnce(): Promise<number> {
    const rows = await claim();
    for (const row of rows) {
      if (stopped) break;
      await send(row);
    }
    return rows.length;
  }

  const loop = (async () => {
    while (!stopped && options.loop !== false) {
      try {
        const handled = await runOnce();
        if (handled === 0) await sleep(options.idleMs ?? 500);
      } catch (err) {
        logger.error(
          { error: err instanceof Error ? err.message : String(err) },
          'dispatcher round failed',
        );
        await sleep(1000);
      }
    }
  })();

  return {
    runOnce,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
