import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { FaultRig, halfMadeVisits, RATE, sleep } from './fault-load.js';

const KILLS = 1;

/**
 * The process killed with SIGKILL in the middle of bookings and of sending, twice, and started
 * again. Nothing may be lost and no visit half made; a message may come twice only if it was in
 * flight at the kill (Telegram has no idempotency key): the test counts those and prints them.
 */
describe('fault: the process killed mid-booking and mid-dispatch', () => {
  let t: TestDatabase;
  const rig = new FaultRig('kill');
  beforeAll(async () => {
    t = await createTestDatabase('fault_kill');
    await rig.open();
  });
  afterAll(async () => {
    await rig.close();
    await t.drop();
  });

  it(`survives ${KILLS} SIGKILL${KILLS > 1 ? 's' : ''}: nothing lost, no half-made visit, repeats only of what was in flight`, async () => {
    await rig.start(t.url);
    const load = await rig.load(t.db, 3, {
      pingers: 5,
      pingEveryMs: 1000,
      outboxEveryMs: 50,
      receivers: 60,
    });
    const inFlight = new Set<string>();
    const restarts: number[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      await sleep(6_000);
      // Mid-dispatch: the kill lands while messages are going out.
      const sending = () => rig.fake.callsOf('sendMessage').some((c) => Date.now() - c.at < 100);
      while (!sending()) await sleep(10);
      rig.product?.child.kill('SIGKILL');
      await rig.product?.exited;
      for (const key of await load.sentNotMarked()) inFlight.add(key);
      restarts.push(await rig.start(t.url));
    }
    await sleep(5_000);
    await load.stop();
    // A message claimed by the killed process comes back after its lease (a minute).
    await load.settle(150_000);

    const f = await load.figures();
    const visits = await halfMadeVisits(t.db);
    const repeats = f.messageRepeats + f.pingRepeats + f.stepRepeats + f.confirmRepeats;
    console.log(
      `${KILLS} SIGKILL${KILLS > 1 ? 's' : ''} (restarted, ready again in ${restarts.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}): ` +
        `${f.pings} /help updates, ${f.pingsUnanswered} lost, ${f.pingRepeats} answered twice; ` +
        `${f.walks} booking walks, ${visits.visits} visits, ${visits.halfMade} half-made, ${f.stepRepeats + f.confirmRepeats} steps answered twice (${f.confirmRepeats} of them a confirmation: booked once, then "just taken"); ` +
        `${f.messages} outgoing messages, ${f.messagesMissing} lost, ${f.messageRepeats} repeated (in flight at the kills: ${inFlight.size}); ` +
        `${repeats} repeats in all; busiest second ${f.busiestSecond} (limit ${RATE}), shortest gap to one chat ${f.shortestChatGapMs} ms`,
    );
    expect(load.walkErrors).toEqual([]);
    expect(visits).toEqual({ visits: f.walks, halfMade: 0 });
    expect(f.pingsUnanswered).toBe(0);
    expect(f.messagesMissing).toBe(0);
    expect(f.messagesSent).toBe(f.messages);
    // The messages sent again are exactly those Telegram had when the process died unaware.
    expect(f.messageRepeats).toBe(inFlight.size);
    // An update handled but not yet claimed at the kill comes again: at most one per chat.
    expect(f.pingRepeats).toBeLessThanOrEqual(KILLS * load.pingers.length);
    expect(f.stepRepeats + f.confirmRepeats).toBeLessThanOrEqual(KILLS * load.walkers.length);
    expect(f.busiestSecond).toBeLessThanOrEqual(RATE);
    expect(f.shortestChatGapMs).toBeGreaterThanOrEqual(1000);
  }, 600_000);
});
