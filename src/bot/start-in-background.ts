import { type Bot, GrammyError, HttpError } from 'grammy';
import type { Logger } from '../logger.js';

/**
 * grammY's Node build types signals with the `abort-controller` package; a native AbortSignal
 * works the same at runtime (grammY only listens for its 'abort' event).
 */
export type ApiSignal = NonNullable<Parameters<Bot['init']>[0]>;
export const apiSignal = (signal: AbortSignal): ApiSignal => signal as unknown as ApiSignal;

/** How the bot's start-up is retried while the Bot API cannot be reached. */
export interface StartRetryPolicy {
  /** One attempt (getMe, commands, setWebhook) is given up after this long. */
  attemptTimeoutMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const BOT_START_RETRY: StartRetryPolicy = {
  attemptTimeoutMs: 10_000,
  firstDelayMs: 1_000,
  maxDelayMs: 60_000,
};

export interface BackgroundStart {
  /** True once an attempt succeeded and `onUp` ran. */
  isUp(): boolean;
  /** Ends a pending attempt or wait; resolves when nothing of the start-up runs any more. */
  stop(): Promise<void>;
}

/**
 * Runs `attempt` until it succeeds, each try bounded in time, with a capped exponential backoff
 * and one log line per failure. It keeps trying (Telegram may be down for an hour) because the
 * rest of the product serves meanwhile; readiness reports the bot as not up until then.
 */
export function startInBackground(opts: {
  mode: 'webhook' | 'long polling';
  attempt: (signal: AbortSignal) => Promise<void>;
  /** Runs synchronously right after the successful attempt, never after stop(). */
  onUp: () => void;
  logger: Logger;
  policy?: StartRetryPolicy;
}): BackgroundStart {
  const policy = opts.policy ?? BOT_START_RETRY;
  const stopping = new AbortController();
  let up = false;
  const loop = (async () => {
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      const timeout = AbortSignal.timeout(policy.attemptTimeoutMs);
      try {
        await opts.attempt(AbortSignal.any([stopping.signal, timeout]));
        if (stopping.signal.aborted) return;
        up = true;
        opts.onUp();
        return;
      } catch (err) {
        if (stopping.signal.aborted) return;
        const delay = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1));
        opts.logger.warn(
          {
            mode: opts.mode,
            attempt,
            retryInSeconds: delay / 1000,
            reason: timeout.aborted
              ? `no answer within ${policy.attemptTimeoutMs / 1000} s`
              : describeStartFailure(err),
          },
          'could not start the bot: the Telegram Bot API is not reachable or refused; retrying',
        );
        await pause(delay, stopping.signal);
      }
    }
  })();
  return {
    isUp: () => up,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * Why an attempt failed, without the underlying error's text: fetch errors name the request URL,
 * which holds the bot token.
 */
export function describeStartFailure(err: unknown): string {
  if (err instanceof GrammyError) {
    const hint = err.error_code === 401 || err.error_code === 404 ? ' (check BOT_TOKEN)' : '';
    return `the Bot API answered ${err.method} with ${err.error_code} ${err.description.slice(0, 120)}${hint}`;
  }
  if (err instanceof HttpError) {
    const inner = err.error as { code?: unknown; cause?: { code?: unknown } } | undefined;
    const code = inner?.code ?? inner?.cause?.code;
    return `network error${typeof code === 'string' ? ` ${code.slice(0, 40)}` : ''}`;
  }
  return err instanceof Error ? err.name : 'unknown error';
}
