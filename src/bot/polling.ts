import { BotError, Context, GrammyError, HttpError } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../logger.js';
import { chatKey } from './chat-lock.js';
import { type ClienteleBot, loadBotInfo, setCommands } from './create-bot.js';
import { describeError, isPassingFailure } from './errors.js';
import { type ApiSignal, apiSignal, describeStartFailure, pause } from './start-in-background.js';

export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

/** What long polling needs from Telegram before it runs; `signal` bounds the attempt. */
export async function preparePolling({ bot }: ClienteleBot, signal?: ApiSignal): Promise<void> {
  await loadBotInfo(bot, signal);
  await bot.api.deleteWebhook({}, signal);
  await setCommands(bot, signal);
}

export interface PollingOptions {
  /** How long one getUpdates call waits for updates, in seconds (Telegram allows up to 50). */
  longPollSeconds?: number;
  /** The first wait before a failed update or getUpdates is tried again; it doubles from there. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Tries of an update that fails for a reason of its own (a bug, not the database, Telegram or
   * a busy chat, which are waited out however long they last) before it is given up.
   */
  maxAttempts?: number;
}

/** What may be logged of a failure: Telegram's errors without the URL (it holds the token). */
function describeFailure(err: unknown): string {
  return err instanceof GrammyError || err instanceof HttpError
    ? describeStartFailure(err)
    : describeError(err);
}

/**
 * Long polling for development and single-machine installs. Telegram's offset confirms every
 * update below it, so a batch is confirmed (by asking for the next one) only once each of its
 * updates was handled: an update that failed (the database away, its chat busy in another
 * process, Telegram failing the reply) is tried again, with a growing pause, before polling
 * moves on; one the process could not finish before it stopped or died comes again on the next
 * start. That an update handled already comes again is harmless: its claim (chat-lock.ts)
 * skips it. Within a batch, different chats are handled at once and one chat's updates in order.
 */
export function runPolling(
  { bot, inFlight }: ClienteleBot,
  logger: Logger,
  options: PollingOptions = {},
): { stop(): Promise<void> } {
  const longPoll = options.longPollSeconds ?? 30;
  const firstDelay = options.firstDelayMs ?? 1_000;
  const maxDelay = options.maxDelayMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const stopping = new AbortController();
  const delay = (attempt: number) => Math.min(maxDelay, firstDelay * 2 ** (attempt - 1));

  /** True once handled (or given up as broken); false when stopping left it unhandled. */
  async function handle(update: Update): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if (stopping.signal.aborted) return false;
      try {
        await bot.handleUpdate(update);
        return true;
      } catch (err) {
        const cause = err instanceof BotError ? err.error : err;
        const passing = isPassingFailure(cause);
        const context = { update_id: update.update_id, attempt, error: describeFailure(cause) };
        if (!passing && attempt >= maxAttempts) {
          logger.error(context, 'update given up after repeated failures');
          return true;
        }
        logger.warn(
          { ...context, retryInSeconds: delay(attempt) / 1000 },
          'update failed; trying it again before polling moves on',
        );
        await pause(delay(attempt), stopping.signal);
      }
    }
  }

  /** Updates taken but not settled, by id; each chat's last one, so the next waits for it. */
  const unsettled = new Map<number, Promise<boolean>>();
  const chatTails = new Map<string, Promise<boolean>>();
  /** Set once stopping left an update unhandled: nothing at or after it is confirmed. */
  let leftUnhandled: number | undefined;
  /** Every update below this id was fetched; those fetched are settled or in `unsettled`. */
  let next = 0;

  /** Starts an update behind its chat's previous one; other chats do not wait for it. */
  function take(update: Update): void {
    const key = chatKey(new Context(update, bot.api, bot.botInfo)) ?? `update:${update.update_id}`;
    const before = chatTails.get(key) ?? Promise.resolve(true);
    const settled = before.then((ok) => (ok ? handle(update) : false));
    chatTails.set(key, settled);
    unsettled.set(update.update_id, settled);
    void settled.then((ok) => {
      if (!ok) leftUnhandled = Math.min(leftUnhandled ?? update.update_id, update.update_id);
      unsettled.delete(update.update_id);
      if (chatTails.get(key) === settled) chatTails.delete(key);
    });
  }

  /**
   * What Telegram may forget: everything below the oldest update not yet handled. Asking from
   * there returns the unsettled ones again (skipped here) with whatever is new after them.
   */
  const confirmable = () =>
    Math.min(leftUnhandled ?? next, unsettled.size > 0 ? Math.min(...unsettled.keys()) : next);

  let confirmed = 0;
  const loop = (async () => {
    let failures = 0;
    while (!stopping.signal.aborted && leftUnhandled === undefined) {
      const offset = confirmable();
      let updates: Update[];
      try {
        updates = await bot.api.getUpdates(
          {
            offset,
            limit: 100,
            // With updates in hand Telegram answers at once; wait for news only when idle.
            timeout: unsettled.size > 0 ? 0 : longPoll,
            allowed_updates: [...ALLOWED_UPDATES],
          },
          apiSignal(stopping.signal),
        );
        confirmed = offset;
      } catch (err) {
        if (stopping.signal.aborted) break;
        failures++;
        // One line when it starts and one a while, not one per try during a long outage.
        if (failures === 1 || failures % 20 === 0)
          logger.warn(
            { failures, error: describeFailure(err), retryInSeconds: delay(failures) / 1000 },
            'long polling failed: the Telegram Bot API is not reachable or refused; retrying',
          );
        await pause(delay(failures), stopping.signal);
        continue;
      }
      if (failures > 0) logger.info({ failures }, 'long polling resumed');
      failures = 0;
      const fresh = updates.filter((u) => u.update_id >= next);
      for (const update of fresh) {
        take(update);
        next = update.update_id + 1;
      }
      // Nothing new while updates are being handled: ask again once one of them is settled.
      if (fresh.length === 0 && unsettled.size > 0) await Promise.race(unsettled.values());
    }
  })();
  logger.info({ username: bot.botInfo.username }, 'bot started (long polling)');

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        // Handlers that run on are waited for a while; what they leave unhandled comes again.
        let timer: NodeJS.Timeout | undefined;
        const work = Promise.all([loop, ...unsettled.values()]);
        await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
        clearTimeout(timer);
        await inFlight.drain();
        const offset = confirmable();
        if (offset > confirmed) {
          // Confirm what was handled, so the next start does not fetch it again.
          await bot.api
            .getUpdates({ offset, limit: 1, timeout: 0 }, apiSignal(AbortSignal.timeout(5_000)))
            .catch(() => undefined);
        }
        logger.info('bot stopped');
      })();
      return stopped;
    },
  };
}

/** Prepare and run in one step, for tests and benchmarks that have a Bot API at hand. */
export async function startPolling(
  clientele: ClienteleBot,
  logger: Logger,
  options?: PollingOptions,
): Promise<{ stop(): Promise<void> }> {
  await preparePolling(clientele);
  return runPolling(clientele, logger, options);
}
