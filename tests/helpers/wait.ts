/** How long to wait, what for (named in the timeout's message) and how often to look. */
export interface WaitOptions {
  timeout: number;
  what: string;
  /** Milliseconds between looks; 100 unless the moment awaited is short-lived. */
  interval?: number;
  /** More to say when the time runs out, such as a process's output so far. */
  details?: () => string;
}

type Found<T> = Exclude<T, undefined | null | false>;

/**
 * Polls `check` until it returns a value (anything but undefined, null or false) and returns
 * it; an error thrown by `check` ends the wait at once, so a check can bail out on a dead
 * process. For what has no event to await.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: WaitOptions,
): Promise<Found<T>> {
  const deadline = Date.now() + options.timeout;
  const interval = options.interval ?? 100;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as Found<T>;
    if (Date.now() >= deadline) {
      const details = options.details?.();
      throw new Error(
        `timed out after ${options.timeout} ms waiting for ${options.what}${details ? `:\n${details}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
