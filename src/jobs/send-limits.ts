import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Telegram's limits are per bot token, so every dispatcher process takes them from PostgreSQL,
 * on the database's clock (one clock for all replicas, whatever their machines say).
 *
 * - Global rate: `rate` slots. A sender holds a slot while its call is in flight and frees it
 *   one second after Telegram answered. Of any rate + 1 sends two used one slot, the later
 *   starting a second after the earlier was answered, so no one-second window, as Telegram
 *   measures it, ever sees more than `rate` messages, whatever the network's jitter.
 * - Per chat: a chat is taken for the call and freed `gapMs` after the answer, so two messages
 *   to one chat arrive at least that far apart.
 * - A 429's retry_after pauses every slot, so every process waits it out.
 * A held slot or chat has a lease: a process killed mid-call gives it back when the lease ends.
 */
export interface SendLimits {
  /** Waits for a free slot of the global rate; its number, or undefined once `isStopped`. */
  takeSlot(isStopped: () => boolean): Promise<number | undefined>;
  freeSlot(slot: number): Promise<void>;
  /** Takes the chat for one call; otherwise how many ms until it may be messaged again. */
  takeChat(chatId: string): Promise<{ taken: true } | { taken: false; waitMs: number }>;
  freeChat(chatId: string): Promise<void>;
  /** Telegram said 429: nobody sends for `seconds`. */
  pause(seconds: number): Promise<void>;
  /** Forgets chats not messaged for an hour (the table only needs recent ones). */
  forgetQuietChats(): Promise<number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function sendLimits(
  db: Kysely<Database>,
  options: { rate: number; gapMs: number; leaseSeconds: number },
): SendLimits {
  const rate = Math.max(1, Math.floor(options.rate));
  const lease = options.leaseSeconds;
  let seeded = false;

  async function seed(): Promise<void> {
    if (seeded) return;
    await sql`INSERT INTO send_slots (slot) SELECT generate_series(0, ${rate - 1})
      ON CONFLICT (slot) DO NOTHING`.execute(db);
    seeded = true;
  }

  /** One statement: take the free slot longest free, or say how long until one frees. */
  async function tryTake(): Promise<{ slot: number | null; waitMs: number }> {
    const { rows } = await sql<{ slot: number | null; wait_ms: number | null }>`
      WITH pause AS (SELECT paused_until FROM send_pause),
      pick AS (
        SELECT slot FROM send_slots
        WHERE slot < ${rate} AND free_at <= now() AND (SELECT paused_until FROM pause) <= now()
        ORDER BY free_at LIMIT 1
        FOR UPDATE SKIP LOCKED
      ),
      took AS (
        UPDATE send_slots s SET free_at = now() + make_interval(secs => ${lease})
        FROM pick WHERE s.slot = pick.slot
        RETURNING s.slot
      )
      SELECT (SELECT slot FROM took) AS slot,
        (extract(epoch FROM greatest(
          (SELECT min(free_at) FROM send_slots WHERE slot < ${rate}),
          (SELECT paused_until FROM pause)) - now()) * 1000)::float8 AS wait_ms`.execute(db);
    const row = rows[0];
    return { slot: row?.slot ?? null, waitMs: row?.wait_ms ?? 0 };
  }

  return {
    async takeSlot(isStopped) {
      await seed();
      while (!isStopped()) {
        const { slot, waitMs } = await tryTake();
        if (slot !== null) return slot;
        // Another process may free a slot sooner than the earliest lease says: look again
        // within a quarter second at most.
        await sleep(Math.min(Math.max(waitMs, 5), 250));
      }
      return undefined;
    },
    async freeSlot(slot) {
      await sql`UPDATE send_slots SET free_at = now() + interval '1 second' WHERE slot = ${slot}`.execute(
        db,
      );
    },
    async takeChat(chatId) {
      const { rows } = await sql<{ taken: boolean; wait_ms: number }>`
        WITH took AS (
          INSERT INTO chat_sends AS c (chat_id, free_at)
          VALUES (${chatId}, now() + make_interval(secs => ${lease}))
          ON CONFLICT (chat_id) DO UPDATE SET free_at = excluded.free_at
          WHERE c.free_at <= now()
          RETURNING chat_id
        )
        SELECT EXISTS (SELECT 1 FROM took) AS taken,
          coalesce((SELECT extract(epoch FROM free_at - now()) * 1000 FROM chat_sends
            WHERE chat_id = ${chatId}), 0)::float8 AS wait_ms`.execute(db);
      const row = rows[0];
      return row?.taken
        ? { taken: true }
        : { taken: false, waitMs: Math.max(row?.wait_ms ?? 0, 0) };
    },
    async freeChat(chatId) {
      await sql`UPDATE chat_sends SET free_at = now() + make_interval(secs => ${options.gapMs / 1000})
        WHERE chat_id = ${chatId}`.execute(db);
    },
    async pause(seconds) {
      await sql`UPDATE send_pause SET paused_until =
        greatest(paused_until, now() + make_interval(secs => ${seconds}))`.execute(db);
    },
    async forgetQuietChats() {
      const result =
        await sql`DELETE FROM chat_sends WHERE free_at < now() - interval '1 hour'`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    },
  };
}
