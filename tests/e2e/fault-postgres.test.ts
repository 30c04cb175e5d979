import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { silentLogger } from '../helpers/fixtures.js';
import { FaultRig, halfMadeVisits, RATE, readiness, sleep, waitReadiness } from './fault-load.js';

/**
 * PostgreSQL restarted under load. The server is the test's own — the embedded PostgreSQL the
 * product ships, on a port of its own — never the shared one. The product must reconnect by
 * itself, say "not ready" meanwhile, and lose no update; only what was in flight when the server
 * went away (handled but not yet claimed, sent but not yet marked) may come twice.
 */
describe('fault: PostgreSQL restarted under load', () => {
  const rig = new FaultRig('pg');
  let server: EmbeddedDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  const startServer = () =>
    startEmbeddedPostgres({ dataDir: path.join(rig.dir, 'pg'), logger: silentLogger });

  beforeAll(async () => {
    await rig.open();
    server = await startServer();
    handle = createDatabase(server.connectionString);
    await migrateToLatest(handle.db);
  }, 120_000);
  afterAll(async () => {
    // The product and the pool before the server, the server before its folder goes.
    rig.product?.child.kill('SIGKILL');
    await rig.product?.exited;
    await handle?.close();
    await server?.stop();
    await rig.close();
  }, 60_000);

  it('reconnects by itself, is not ready meanwhile, loses no update, repeats only what was in flight', async () => {
    if (!server || !handle) throw new Error('no server');
    const db = handle.db;
    await rig.start(server.connectionString);
    const load = await rig.load(db, 2, {
      pingers: 5,
      pingEveryMs: 1000,
      outboxEveryMs: 200,
      receivers: 20,
    });
    await sleep(8_000);

    const stoppedAt = Date.now();
    await server.stop();
    const product = rig.product;
    if (!product) throw new Error('no product');
    const notReadyAfter = await waitReadiness(rig.port, 503, product, 20_000);
    // Down for a while, under load: every probe meanwhile says not ready.
    const probes: (number | undefined)[] = [];
    while (Date.now() - stoppedAt < 10_000) {
      probes.push(await readiness(rig.port));
      await sleep(500);
    }
    server = await startServer();
    const restartedAt = Date.now();
    const readyAgainAfter = await waitReadiness(rig.port, 200, product, 60_000);
    await sleep(8_000);
    await load.stop();
    await load.settle(120_000);

    const f = await load.figures();
    const visits = await halfMadeVisits(db);
    console.log(
      `PostgreSQL restarted (down ${((restartedAt - stoppedAt) / 1000).toFixed(1)} s): /readyz said not ready ${notReadyAfter} ms after the stop and ready ${readyAgainAfter} ms after the restart; ` +
        `${f.pings} /help updates, ${f.pingReplies} replies (${f.pingsUnanswered} lost, ${f.pingRepeats} twice); ` +
        `${f.walks} booking walks, ${visits.visits} visits (${visits.halfMade} half-made, ${f.stepRepeats + f.confirmRepeats} steps answered again); ` +
        `${f.messages} outgoing messages, ${f.messagesSent} sent (${f.messagesMissing} lost, ${f.messageRepeats} repeated), busiest second ${f.busiestSecond} (limit ${RATE}), shortest gap to one chat ${f.shortestChatGapMs} ms`,
    );
    expect(probes.every((status) => status === 503)).toBe(true);
    expect(load.walkErrors).toEqual([]);
    expect(f.walks).toBeGreaterThanOrEqual(2);
    expect(visits).toEqual({ visits: f.walks, halfMade: 0 });
    expect(f.pingsUnanswered).toBe(0);
    expect(f.messagesMissing).toBe(0);
    // Only what was in flight when the server went away can come twice: an update handled but
    // not yet claimed, a message sent but not yet marked — at most one per chat.
    expect(f.pingRepeats).toBeLessThanOrEqual(load.pingers.length);
    expect(f.stepRepeats + f.confirmRepeats).toBeLessThanOrEqual(load.walkers.length);
    expect(f.messageRepeats).toBeLessThanOrEqual(load.receivers.length);
    expect(f.messagesSent).toBe(f.messages);
    expect(f.busiestSecond).toBeLessThanOrEqual(RATE);
    expect(f.shortestChatGapMs).toBeGreaterThanOrEqual(1000);
    expect(product.child.exitCode).toBeNull();
  }, 420_000);
});
