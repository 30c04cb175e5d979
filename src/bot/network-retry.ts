import { HttpError, type Transformer } from 'grammy';

/**
 * auto-retry retries network errors forever, which held start-up and handlers for as long as
 * the Bot API was away; it runs with `rethrowHttpErrors` and this retries such errors a few
 * times with backoff, then lets the caller see them. A call whose signal ended is not retried.
 */
export function boundedNetworkRetry(opts: { retries: number; firstDelayMs: number }): Transformer {
  return async (prev, method, payload, signal) => {
    for (let retry = 0; ; retry++) {
      try {
        return await prev(method, payload, signal);
      } catch (err) {
        if (!(err instanceof HttpError) || retry >= opts.retries || signal?.aborted) throw err;
        await pause(opts.firstDelayMs * 2 ** retry, signal);
        if (signal?.aborted) throw err;
      }
    }
  };
}

function pause(
  ms: number,
  signal:
    | {
        addEventListener(t: 'abort', f: () => void): void;
        removeEventListener(t: 'abort', f: () => void): void;
      }
    | undefined,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}
