import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Crypto } from '../../src/crypto/crypto.js';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { createServices, type Services } from '../../src/runtime.js';
import { salonTime, zonedAt } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { addBranch, SYSTEM, seedSalon } from '../helpers/salon.js';
import type { TestDatabase } from '../helpers/test-db.js';

/**
 * The small fixed salon every analytics test computes its expected figures by hand from (the
 * figures are worked out in analytics-queries.test.ts). Berlin, so March holds the switch to
 * summer time (29 March 2026) and some visits fall in one month locally and another in UTC.
 * Clients (home branch Berlin): A regular, B two visits 80 days apart, C a single visit brought
 * by A, D two visits in 2025 and no source, E one visit in 2025, F only a no-show and cancels.
 * G belongs to a second branch in Vladivostok and shows only without a branch filter.
 */
export const { zone: ZONE, at, now: NOW } = salonTime('2026-06-01T12:00', 'Europe/Berlin');

export interface AnalyticsSalon {
  s: Services;
  crypto: Crypto;
  branch: string;
  otherBranch: string;
  services: { cut: string; nails: string };
  masters: { m1: string; m2: string; m3: string };
  clients: Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G', string>;
  sources: { instagram: string; stories: string };
  visits: Record<string, string>;
}

export async function seedAnalyticsSalon(t: TestDatabase): Promise<AnalyticsSalon> {
  const crypto = await testCrypto();
  const s = createServices({ db: t.db, crypto, logger: silentLogger, clock: () => NOW });
  const salon = await seedSalon(s, {
    zone: ZONE,
    branch: { name: 'Berlin' },
    services: [
      { name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 1000 },
      { name: 'Маникюр', category: 'Ногти', durationMin: 90, price: 2000 },
    ],
    masters: [{ name: 'M1' }, { name: 'M2' }],
  });
  const [cut = '', nails = ''] = salon.services;
  const [m1 = '', m2 = ''] = salon.masters;
  // M1 is off on 10 March and works 10:00–14:00 on 11 March.
  await s.catalogue.setException(m1, { day: '2026-03-10', kind: 'off' }, SYSTEM);
  await s.catalogue.setException(
    m1,
    { day: '2026-03-11', kind: 'hours', hours: [{ start: '10:00', end: '14:00' }] },
    SYSTEM,
  );
  const otherBranch = await addBranch(s, { name: 'Vladivostok', zone: 'Asia/Vladivostok' });
  const m3 = await s.catalogue.createMaster(
    { branchId: otherBranch, displayName: 'M3', staffUserId: null },
    SYSTEM,
  );

  const [instagram] = await t.db
    .insertInto('acquisition_sources')
    .values({ name: 'Instagram' })
    .returning('id')
    .execute();
  const [stories] = await t.db
    .insertInto('acquisition_sources')
    .values({ name: 'Stories', parent_id: instagram?.id ?? null })
    .returning('id')
    .execute();
  const sources = { instagram: instagram?.id ?? '', stories: stories?.id ?? '' };

  let seq = 0;
  const client = async (
    registered: string,
    source: string | null,
    home: string,
    referrer: string | null = null,
  ) => {
    seq++;
    const c = await s.clients.create(
      {
        name: `Клиент ${seq}`,
        phone: `+7916444${String(1000 + seq)}`,
        telegramUserId: 9_000 + seq,
      },
      SYSTEM,
    );
    await sql`UPDATE clients SET created_at = ${at(registered)}, source_id = ${source},
      home_branch_id = ${home}, referrer_id = ${referrer} WHERE id = ${c.id}`.execute(t.db);
    return c.id;
  };
  const b = salon.branch;
  const A = await client('2026-01-05T10:00', sources.instagram, b);
  const B = await client('2026-02-20T10:00', sources.stories, b);
  const C = await client('2026-05-20T10:00', null, b, A);
  const D = await client('2025-06-01T10:00', null, b);
  const E = await client('2025-06-20T10:00', sources.stories, b);
  const F = await client('2026-05-27T10:00', null, b, C);
  const G = await client('2026-01-15T10:00', null, otherBranch);
  await t.db
    .insertInto('referrals')
    .values([
      {
        referrer_id: A,
        referred_id: C,
        status: 'qualified',
        created_at: at('2026-05-20T10:00'),
        qualified_at: at('2026-05-25T12:00'),
      },
      { referrer_id: C, referred_id: F, created_at: at('2026-05-27T10:00') },
    ])
    .execute();

  const price: Record<string, number> = { [cut]: 1000, [nails]: 2000 };
  const length: Record<string, number> = { [cut]: 60, [nails]: 90 };
  const visits: Record<string, string> = {};
  const visit = async (
    key: string,
    who: string,
    master: string,
    service: string,
    local: string,
    status: 'done' | 'no_show' | 'cancelled' | 'booked',
    opts: { paid?: number; branch?: string; zone?: string; bookedAt?: string } = {},
  ) => {
    const starts = opts.zone ? zonedAt(opts.zone)(local) : at(local);
    const ends = new Date(starts.getTime() + (length[service] ?? 60) * 60_000);
    const row = await t.db
      .insertInto('appointments')
      .values({
        branch_id: opts.branch ?? b,
        master_id: master,
        service_id: service,
        client_id: who,
        starts_at: starts,
        ends_at: ends,
        blocked_until: ends,
        status,
        price: String(price[service] ?? 0),
        amount_paid: status === 'done' ? String(opts.paid ?? price[service] ?? 0) : null,
        channel: 'panel',
        created_at: opts.bookedAt ? at(opts.bookedAt) : new Date(starts.getTime() - 86_400_000),
        updated_at: starts,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    visits[key] = row.id;
  };
  await visit('A1', A, m1, cut, '2026-01-10T10:00', 'done');
  await visit('A2', A, m1, cut, '2026-02-09T10:00', 'done');
  await visit('A3', A, m1, cut, '2026-03-11T10:00', 'done');
  // Local April, UTC 31 March.
  await visit('A4', A, m1, cut, '2026-04-01T01:00', 'done');
  await visit('A5', A, m1, cut, '2026-06-05T10:00', 'booked', { bookedAt: '2026-05-30T09:00' });
  // Local March, UTC 28 February.
  await visit('B1', B, m2, nails, '2026-03-01T00:30', 'done');
  await visit('B2', B, m2, nails, '2026-05-20T15:00', 'done', { paid: 1800 });
  await visit('C1', C, m1, cut, '2026-05-25T11:00', 'done');
  await visit('D1', D, m2, cut, '2025-06-15T12:00', 'done');
  await visit('D2', D, m2, cut, '2025-12-15T12:00', 'done');
  await visit('E1', E, m2, nails, '2025-07-01T10:00', 'done');
  await visit('F1', F, m1, cut, '2026-03-15T10:00', 'no_show');
  // Sundays either side of the switch to summer time, both at 10:00 local.
  await visit('F2', F, m1, cut, '2026-03-22T10:00', 'cancelled');
  await visit('F3', F, m1, cut, '2026-03-29T10:00', 'cancelled');
  await visit('G1', G, m3, cut, '2026-02-10T10:00', 'done', {
    branch: otherBranch,
    zone: 'Asia/Vladivostok',
  });

  await t.db
    .insertInto('visit_feedback')
    .values([
      { appointment_id: visits.A3 ?? '', client_id: A, score: 4 },
      { appointment_id: visits.B1 ?? '', client_id: B, score: 2 },
    ])
    .execute();

  // Campaigns: what went out, whether it was delivered, and the coupons that came with it.
  const coupon = async (
    who: string,
    kind: 'birthday' | 'winback' | 'manual',
    created: string,
    redeemedOn?: string,
  ) => {
    const row = await t.db
      .insertInto('coupons')
      .values({
        code: randomBytes(6).toString('hex'),
        client_id: who,
        kind,
        percent: 10,
        valid_from: at(created),
        valid_until: at('2026-12-31T23:00'),
        created_at: at(created),
        ...(redeemedOn
          ? { redeemed_at: at('2026-05-20T16:00'), redeemed_on: visits[redeemedOn] ?? null }
          : {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  };
  const greeting = async (
    greetingKey: string,
    occurrence: string,
    who: string,
    sent: string,
    delivered: boolean,
    couponId: string | null,
  ) => {
    await t.db
      .insertInto('greeting_messages')
      .values({
        greeting: greetingKey,
        occurrence,
        client_id: who,
        coupon_id: couponId,
        sent_at: at(sent),
      })
      .execute();
    const dedupeKey = `greeting:${greetingKey}:${occurrence}:${who}`;
    await enqueueMessage(t.db, crypto, {
      dedupeKey,
      chatId: 1,
      clientId: who,
      kind: 'greeting',
      message: { text: 'greeting' },
    });
    await t.db
      .updateTable('outbox')
      .set(delivered ? { status: 'sent', sent_at: at(sent) } : { status: 'dead' })
      .where('dedupe_key', '=', dedupeKey)
      .execute();
  };
  const [holiday] = await t.db.selectFrom('holidays').select('id').limit(1).execute();
  await greeting(
    'winback',
    visits.A4 ?? '',
    A,
    '2026-05-17T10:00',
    true,
    await coupon(A, 'winback', '2026-05-17T10:00'),
  );
  await greeting(
    'winback',
    visits.E1 ?? '',
    E,
    '2026-05-17T10:00',
    false,
    await coupon(E, 'winback', '2026-05-17T10:00'),
  );
  await greeting('winback', visits.D2 ?? '', D, '2026-04-20T10:00', true, null);
  await greeting(
    'birthday',
    '2026',
    B,
    '2026-05-05T10:00',
    true,
    await coupon(B, 'birthday', '2026-05-05T10:00', 'B2'),
  );
  await greeting(`holiday:${holiday?.id}`, '2026-05-08', D, '2026-05-08T10:00', true, null);
  await coupon(C, 'manual', '2026-05-25T12:00');
  await sql`ANALYZE`.execute(t.db);

  return {
    s,
    crypto,
    branch: b,
    otherBranch,
    services: { cut, nails },
    masters: { m1, m2, m3 },
    clients: { A, B, C, D, E, F, G },
    sources,
    visits,
  };
}
