import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { type Run, runScript } from '../helpers/child-run.js';
import { type FakeBotApi, startFakeBotApi } from '../helpers/fake-bot-api.js';
import { testCrypto } from '../helpers/fixtures.js';
import { sendFigures } from '../helpers/send-figures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { waitFor } from '../helpers/wait.js';

const KEY = Buffer.alloc(32, 11);
const RATE = 30;
const MESSAGES = 1000;
const CHATS = 300;

describe('two dispatcher processes share Telegram’s limits', () => {
  let t: TestDatabase;
  let fake: FakeBotApi;
  const runs: Run[] = [];
  beforeAll(async () => {
    t = await createTestDatabase('replicas_out');
    fake = await startFakeBotApi();
  });
  afterAll(async () => {
    for (const r of runs) r.child.kill('SIGKILL');
    await Promise.all(runs.map((r) => r.exited));
    await fake.close();
    await t.drop();
  });

  it(`${MESSAGES} messages to ${CHATS} chats: at most ${RATE} in any second, one a second per chat, each once`, async () => {
    const crypto = await testCrypto({ masterKey: new Uint8Array(KEY) });
    const users = Array.from({ length: CHATS }, () => fake.user());
    for (let i = 0; i < MESSAGES; i++) {
      await enqueueMessage(t.db, crypto, {
        dedupeKey: `replicas:${i}`,
        chatId: users[i % CHATS]?.id ?? 0,
        clientId: null,
        kind: 'test',
        message: { text: `message ${i}` },
      });
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clientele-replicas-'));
    chmodSync(dir, 0o755);
    for (const name of ['a', 'b']) {
      runs.push(
        runScript('src/main.ts', {
          DATA_DIR: path.join(dir, name),
          DATABASE_URL: t.url,
          CLIENTELE_MASTER_KEY: KEY.toString('base64'),
          BOT_TOKEN: fake.token,
          BOT_API_ROOT: fake.apiRoot,
          ROLES: 'jobs',
          OUTBOX_RATE: String(RATE),
          LOG_LEVEL: 'warn',
        }),
      );
    }
    // Start-up (tsx transpiling, migrations: over a minute on a loaded 2-core machine) is not
    // what is measured: the deadline runs from the first message, twice what the rate needs.
    const delivered = () => users.reduce((n, u) => n + u.messages.length, 0);
    await waitFor(() => delivered() > 0, {
      timeout: 300_000,
      what: 'the first message of either dispatcher',
      details: () => runs.map((r) => r.stderr() + r.stdout().slice(-2000)).join('\n'),
    });
    await waitFor(
      () => {
        for (const r of runs)
          if (r.child.exitCode !== null) throw new Error(`a dispatcher exited: ${r.stderr()}`);
        return delivered() >= MESSAGES;
      },
      {
        timeout: (2 * MESSAGES * 1000) / RATE,
        what: `${MESSAGES} messages delivered`,
        details: () =>
          `${delivered()} delivered: ${runs.map((r) => r.stdout().slice(-2000)).join('\n')}`,
      },
    );
    const calls = fake
      .callsOf('sendMessage')
      .map((c) => ({ chat: Number(c.params.chat_id), at: c.at, text: String(c.params.text) }));
    const figures = sendFigures(calls);
    const seconds = ((calls.at(-1)?.at ?? 0) - (calls[0]?.at ?? 0)) / 1000;
    console.log(
      `two dispatchers: ${calls.length} sends in ${seconds.toFixed(1)} s (${(calls.length / seconds).toFixed(1)}/s); busiest second ${figures.busiestSecond} (limit ${RATE}); shortest gap to one chat ${figures.shortestChatGapMs} ms`,
    );
    expect(figures.busiestSecond).toBeLessThanOrEqual(RATE);
    expect(figures.shortestChatGapMs).toBeGreaterThanOrEqual(1000);
    expect(calls).toHaveLength(MESSAGES);
    expect(new Set(calls.map((c) => c.text)).size).toBe(MESSAGES);
    // Both processes did part of the work (each claims its own batches).
    const { n } = await t.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'sent')
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(MESSAGES);
  }, 480_000);
});
