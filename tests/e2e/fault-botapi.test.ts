import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { FaultRig, halfMadeVisits, RATE, sleep } from './fault-load.js';

/**
 * Telegram away: the Bot API answering 502 to everything, then not answering at all. A minute
 * in production; here half a minute, with BOT_API_TIMEOUT=10 so that a call left unanswered is
 * given up after 10 s instead of 60 (the timeout is what makes "not at all" last longer than
 * the outage). The outbox waits and then drains within Telegram's limits; long polling resumes;
 * no reply is lost.
 */
const PHASE_MS = 15_000;

describe('fault: the Bot API answering 5xx, then not at all', () => {
  let t: TestDatabase;
  const rig = new FaultRig('api');
  beforeAll(async () => {
    t = await createTestDatabase('fault_botapi');
    await rig.open();
  });
  afterAll(async () => {
    await rig.close();
    await t.drop();
  });

  it('waits it out: the outbox drains within the limits, polling resumes, nothing lost', async () => {
    const fake = rig.fake;
    await rig.start(t.url, { BOT_API_TIMEOUT: '10' });
    const load = await rig.load(t.db, 2, {
      pingers: 5,
      pingEveryMs: 1000,
      outboxEveryMs: 100,
      receivers: 40,
    });
    await sleep(6_000);
    const downAt = Date.now();
    fake.outage('errors');
    await sleep(PHASE_MS);
    fake.outage('silent');
    await sleep(PHASE_MS);
    fake.outage(undefined);
    const backAt = Date.now();
    const served = (method: string) =>
      fake.callsOf(method).filter((c) => c.served !== false && c.at >= backAt);
    // Long polling resumes by itself.
    while (served('getUpdates').length === 0) {
      if (Date.now() - backAt > 60_000) throw new Error('long polling did not resume');
      await sleep(200);
    }
    const pollingAfter = (served('getUpdates')[0]?.at ?? 0) - backAt;
    await sleep(5_000);
    await load.stop();
    await load.settle(150_000);
    const drainedAfter = Date.now() - backAt;

    const f = await load.figures();
    const visits = await halfMadeVisits(t.db);
    const refused = fake.calls.filter((c) => c.served === false).length;
    console.log(
      `Bot API away ${((backAt - downAt) / 1000).toFixed(0)} s (502 for ${PHASE_MS / 1000} s, then no answer for ${PHASE_MS / 1000} s; ${refused} calls refused or left hanging): ` +
        `long polling resumed ${(pollingAfter / 1000).toFixed(1)} s after, everything delivered ${(drainedAfter / 1000).toFixed(1)} s after; ` +
        `${f.pings} /help updates, ${f.pingsUnanswered} lost, ${f.pingRepeats} answered twice; ${f.walks} booking walks, ${visits.visits} visits, ${visits.halfMade} half-made; ` +
        `${f.messages} outgoing messages, ${f.messagesMissing} lost, ${f.messageRepeats} repeated; busiest second ${f.busiestSecond} (limit ${RATE}), shortest gap to one chat ${f.shortestChatGapMs} ms`,
    );
    expect(refused).toBeGreaterThan(0);
    expect(load.walkErrors).toEqual([]);
    expect(visits).toEqual({ visits: f.walks, halfMade: 0 });
    expect(f.pingsUnanswered).toBe(0);
    expect(f.messagesMissing).toBe(0);
    expect(f.messagesSent).toBe(f.messages);
    // Telegram never took a call it did not answer: nothing can have come twice.
    expect(f.pingRepeats + f.stepRepeats + f.confirmRepeats + f.messageRepeats).toBe(0);
    expect(f.busiestSecond).toBeLessThanOrEqual(RATE);
    expect(f.shortestChatGapMs).toBeGreaterThanOrEqual(1000);
    expect(rig.product?.child.exitCode).toBeNull();
  }, 480_000);
});
