import type { MiddlewareFn } from 'grammy';

/**
 * Counts updates being handled, so shutdown can wait for them: neither bot.stop() nor the
 * runner's stop() waits for handlers that are still running.
 */
export class InFlight {
  private count = 0;
  private idle: (() => void)[] = [];

  readonly middleware: MiddlewareFn = async (_ctx, next) => {
    this.count++;
    try {
      await next();
    } finally {
      this.count--;
      if (this.count === 0) for (const wake of this.idle.splice(0)) wake();
    }
  };

  get active(): number {
    return this.count;
  }

  /** Resolves when no update is being handled, or after `timeoutMs`. */
  drain(timeoutMs = 10_000): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
