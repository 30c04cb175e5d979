import type { Context } from 'grammy';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatBusyError, type ChatLocks, createChatLocks } from '../../src/bot/chat-lock.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { waitFor } from '../helpers/wait.js';

let nextUpdateId = 1;
/** An update of chat `id`: a new one unless `updateId` names one delivered before. */
const chat = (id: number, updateId = nextUpdateId++) =>
  ({ chat: { id }, from: { id }, update: { update_id: updateId } }) as unknown as Context;

/** A handler that runs until released, noting when it starts and ends. */
function gate(name: string, log: string[]) {
  let open!: () => void;
  const released = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started!: () => void;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  return {
    handler: async () => {
      log.push(`${name} start`);
      started();
      await released;
      log.push(`${name} end`);
    },
    running,
    release: () => open(),
  };
}

describe('chat locks across processes', () => {
  let t: TestDatabase;
  let a: ChatLocks;
  let b: ChatLocks;
  beforeAll(async () => {
    t = await createTestDatabase('chat_lock');
    // Two processes: each has its own pool of lock connections.
    a = createChatLocks(t.handle.pool);
    b = createChatLocks(t.handle.pool, { waitMs: 60_000 });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await t.drop();
  });

  /** Resolves once `n` sessions wait for an advisory lock. */
  async function waiting(n: number): Promise<void> {
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_locks
          WHERE locktype = 'advisory' AND NOT granted`.execute(t.db);
        return Number(rows[0]?.n) >= n;
      },
      { timeout: 10_000, what: `${n} sessions waiting for the lock` },
    );
  }

  it('runs one chat’s updates one at a time across processes, and other chats meanwhile', async () => {
    const log: string[] = [];
    const first = gate('a1', log);
    const second = gate('b1', log);
    const other = gate('b2', log);
    const one = a.middleware(chat(1), first.handler);
    await first.running;
    const two = b.middleware(chat(1), second.handler);
    await waiting(1);
    // Another chat on the same process is not held up.
    other.release();
    await b.middleware(chat(2), other.handler);
    expect(log).toEqual(['a1 start', 'b2 start', 'b2 end']);
    first.release();
    await one;
    await second.running;
    second.release();
    await two;
    expect(log).toEqual(['a1 start', 'b2 start', 'b2 end', 'a1 end', 'b1 start', 'b1 end']);
  });

  it('keeps arrival order in one process and releases the lock when a handler throws', async () => {
    const log: string[] = [];
    const failing = b.middleware(chat(3), async () => {
      log.push('fails');
      throw new Error('handler failed');
    });
    const next = b.middleware(chat(3), async () => {
      log.push('next');
    });
    await expect(failing).rejects.toThrow('handler failed');
    await next;
    await a.middleware(chat(3), async () => {
      log.push('other process');
    });
    expect(log).toEqual(['fails', 'next', 'other process']);
  });

  it('gives up after the bounded wait with ChatBusyError', async () => {
    const impatient = createChatLocks(t.handle.pool, { waitMs: 300 });
    const log: string[] = [];
    const holder = gate('holder', log);
    const held = a.middleware(chat(4), holder.handler);
    await holder.running;
    try {
      await expect(impatient.middleware(chat(4), async () => undefined)).rejects.toBeInstanceOf(
        ChatBusyError,
      );
    } finally {
      holder.release();
      await held;
      await impatient.close();
    }
  });

  async function claimed(updateId: number): Promise<boolean> {
    const row = await t.db
      .selectFrom('processed_updates')
      .select('update_id')
      .where('update_id', '=', String(updateId))
      .executeTakeFirst();
    return row !== undefined;
  }

  it('claims an update with its handler’s success: a failure leaves it to be handled again, once', async () => {
    const log: string[] = [];
    await expect(
      a.middleware(chat(5, 500), async () => {
        log.push('fails');
        throw new Error('the database went away');
      }),
    ).rejects.toThrow('the database went away');
    expect(await claimed(500)).toBe(false);
    // Delivered again (polling retries it, or Telegram after the webhook's 500): handled now.
    await b.middleware(chat(5, 500), async () => {
      log.push('handled');
    });
    expect(await claimed(500)).toBe(true);
    // And a third delivery, to either process, runs nothing.
    await a.middleware(chat(5, 500), async () => {
      log.push('again');
    });
    await b.middleware(chat(5, 500), async () => {
      log.push('again');
    });
    expect(log).toEqual(['fails', 'handled']);
  });

  it('one update delivered to two processes at once is handled by one of them', async () => {
    const log: string[] = [];
    const first = gate('a', log);
    const one = a.middleware(chat(6, 600), first.handler);
    await first.running;
    const two = b.middleware(chat(6, 600), async () => {
      log.push('b');
    });
    await waiting(1);
    first.release();
    await Promise.all([one, two]);
    expect(log).toEqual(['a start', 'a end']);
    expect(await claimed(600)).toBe(true);
  });

  it('an update without a chat is claimed too', async () => {
    const log: string[] = [];
    const noChat = { update: { update_id: 700 } } as unknown as Context;
    await a.middleware(noChat, async () => {
      log.push('once');
    });
    await b.middleware(noChat, async () => {
      log.push('twice');
    });
    expect(log).toEqual(['once']);
  });
});
