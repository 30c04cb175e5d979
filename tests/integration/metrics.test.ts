import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsPlugin } from '../../src/admin/web/metrics.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const TOKEN = 'metrics-token-0123456789';

describe('GET /metrics', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  const now = new Date('2026-12-01T10:00:00Z');
  const app = Fastify();
  beforeAll(async () => {
    t = await createTestDatabase('metrics');
    crypto = await testCrypto();
    await app.register(metricsPlugin({ db: t.db, crypto, token: TOKEN, clock: () => now }));
    await enqueueMessage(t.db, crypto, {
      dedupeKey: 'm1',
      chatId: 1,
      clientId: null,
      kind: 'birthday',
      message: { text: 'Анна Секретная, с днём рождения!' },
      notBefore: new Date(now.getTime() - 90_000),
    });
    await enqueueMessage(t.db, crypto, {
      dedupeKey: 'm2',
      chatId: 2,
      clientId: null,
      kind: 'reminder',
      message: { text: 'later' },
      notBefore: new Date(now.getTime() + 3_600_000),
    });
    await t.db
      .insertInto('job_runs')
      .values({ job: 'reminders', tick: now, claimed_by: 'x', status: 'failed', error: 'boom' })
      .execute();
  });
  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  it('answers only with the token', async () => {
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const wrong = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('reports backlog, lag and job failures, and nothing personal', async () => {
    const res = await app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('clientele_outbox_messages{status="pending"} 2');
    expect(res.body).toContain('clientele_outbox_lag_seconds 90.0'); // only the due one counts
    expect(res.body).toContain('clientele_job_failures_last_day{job="reminders"} 1');
    expect(res.body).not.toMatch(/Анна|Секретная|birthday|later/);
  });
});
