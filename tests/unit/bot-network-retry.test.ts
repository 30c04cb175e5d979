// The Bot API client's retries are bounded: auto-retry alone retried network errors forever.
// Against a real loopback server that drops connections; no mock of grammY.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { autoRetry } from '@grammyjs/auto-retry';
import { Api, HttpError } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { boundedNetworkRetry } from '../../src/bot/network-retry.js';
import { describeStartFailure } from '../../src/bot/start-in-background.js';

const TOKEN = '123456:secret-part-of-the-token-abcdef';

/** Drops the first `drops` requests (connection reset), then answers getMe. */
async function flakyBotApi(drops: number) {
  let seen = 0;
  const server = http.createServer((req, res) => {
    seen++;
    if (seen <= drops) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        ok: true,
        result: { id: 1, is_bot: true, first_name: 'Bot', username: 'flaky_bot' },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    seen: () => seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function api(apiRoot: string): Api {
  const a = new Api(TOKEN, { apiRoot });
  a.config.use(
    autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }),
    boundedNetworkRetry({ retries: 2, firstDelayMs: 10 }),
  );
  return a;
}

describe('bounded network retries of Bot API calls', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('retries a dropped connection twice, then succeeds', async () => {
    const server = await flakyBotApi(2);
    closers.push(server.close);
    const me = await api(server.apiRoot).getMe();
    expect(me.username).toBe('flaky_bot');
    expect(server.seen()).toBe(3);
  });

  it('gives up after three tries instead of retrying forever, and says why without the token', async () => {
    const server = await flakyBotApi(1_000);
    closers.push(server.close);
    const error = await api(server.apiRoot)
      .getMe()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeInstanceOf(HttpError);
    expect(server.seen()).toBe(3);
    const reason = describeStartFailure(error);
    expect(reason).toMatch(/^network error/);
    expect(reason).not.toContain('secret-part');
  });

  it('does not retry a call whose signal has ended', async () => {
    const server = await flakyBotApi(1_000);
    closers.push(server.close);
    const controller = new AbortController();
    const call = api(server.apiRoot).getMe(controller.signal as never);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(HttpError);
    expect(server.seen()).toBeLessThanOrEqual(1);
  });

  it('refused connections end the same way', async () => {
    const server = await flakyBotApi(0);
    const root = server.apiRoot;
    await server.close();
    const error = await api(root)
      .getMe()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(describeStartFailure(error)).toBe('network error ECONNREFUSED');
  });
});
