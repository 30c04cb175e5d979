import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  campaignFigures,
  churnCounts,
  churnList,
  churnRate,
  clientLtv,
  clientMix,
  clientReferralTree,
  clientSummary,
  cohorts,
  expectedLifetimeYears,
  ltvByGroup,
  masterFigures,
  rfmSegments,
  seasonality,
  sourceClients,
  sourceTree,
  weekdayHour,
} from '../../src/domain/analytics/index.js';
import { analyticsFreshness, refreshAnalyticsSummary } from '../../src/domain/analytics/summary.js';
import { InvalidInputError, NotFoundError } from '../../src/domain/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { type AnalyticsSalon, at, NOW, seedAnalyticsSalon, ZONE } from './analytics-fixture.js';

/**
 * Every expected figure below is worked out by hand from analytics-fixture.ts. Days between
 * visits, in UTC: A 30, 30 and 20 d 14 h (11 March 09:00Z → 31 March 23:00Z); B 80 d 13.5 h
 * = 80.5625 (28 Feb 23:30Z → 20 May 13:00Z); D 183 d 1 h. The haircut's cycle is the median of
 * A's and D's gaps (20.58, 30, 30, 183.04) = 30; the manicure's is B's 80.5625.
 */
describe('analytics queries on a fixed salon', () => {
  let t: TestDatabase;
  let x: AnalyticsSalon;
  const berlin = () => ({ zone: ZONE, branchId: x.branch });

  beforeAll(async () => {
    t = await createTestDatabase('analytics');
    x = await seedAnalyticsSalon(t);
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
  });

  describe('seasonality (A1)', () => {
    it('counts completed visits and revenue per local month, by category and in all', async () => {
      const r = await seasonality(t.db, {
        ...berlin(),
        from: '2026-01-01',
        to: '2026-05-31',
        compare: 'previous',
      });
      expect(r.period).toEqual({ from: '2026-01-01', to: '2026-05-31' });
      // Five whole months: the five months before.
      expect(r.compare).toEqual({ from: '2025-08-01', to: '2025-12-31' });
      // B's 1 March 00:30 is March locally (February in UTC); A's 1 April 01:00 is April.
      expect(r.total.months.map((m) => [m.month, m.visits, m.revenue])).toEqual([
        ['2026-01', 1, 1000],
        ['2026-02', 1, 1000],
        ['2026-03', 2, 3000],
        ['2026-04', 1, 1000],
        ['2026-05', 2, 2800],
      ]);
      expect(r.total.peakMonths).toEqual(['2026-03', '2026-05']);
      expect(r.total.compareMonths.map((m) => [m.month, m.visits, m.revenue])).toEqual([
        ['2025-08', 0, 0],
        ['2025-09', 0, 0],
        ['2025-10', 0, 0],
        ['2025-11', 0, 0],
        ['2025-12', 1, 1000],
      ]);
      expect(r.byCategory.map((c) => c.key)).toEqual(['Волосы', 'Ногти']);
      const nails = r.byCategory[1];
      expect(nails?.months.map((m) => m.visits)).toEqual([0, 0, 1, 0, 1]);
      expect(nails?.months.map((m) => m.revenue)).toEqual([0, 0, 2000, 0, 1800]);
      expect(nails?.peakMonths).toEqual(['2026-03', '2026-05']);
      const cut = r.byService.find((s) => s.key === x.services.cut);
      expect(cut?.label).toBe('Стрижка');
      expect(cut?.months.map((m) => m.visits)).toEqual([1, 1, 1, 1, 1]);
    });

    it('counts the other branch only without a branch filter', async () => {
      const all = await seasonality(t.db, { zone: ZONE, from: '2026-02-01', to: '2026-02-28' });
      expect(all.total.months).toEqual([
        { month: '2026-02', visits: 2, revenue: 2000, clients: 2 },
      ]);
      expect(all.compare).toBeNull();
    });

    it('places bookings by local weekday and hour on both sides of the switch to summer time', async () => {
      const cells = await weekdayHour(t.db, { ...berlin(), from: '2026-03-01', to: '2026-03-31' });
      // Sundays 15, 22 (CET) and 29 March (CEST) at 10:00 are one cell; cancelled ones count.
      expect(cells).toEqual([
        { weekday: 3, hour: 10, bookings: 1, clients: 1 },
        { weekday: 7, hour: 0, bookings: 1, clients: 1 },
        { weekday: 7, hour: 10, bookings: 3, clients: 1 },
      ]);
    });
  });

  describe('sources and referrals (A2)', () => {
    it('rolls clients, first visits, revenue, referrals and LTV up the source tree', async () => {
      const tree = await sourceTree(t.db, { ...berlin(), from: '2026-01-01', to: '2026-05-31' });
      const [instagram, none] = tree;
      // C (brought by A) and F (brought by C) count under A's channel.
      expect(instagram).toMatchObject({
        id: x.sources.instagram,
        kind: 'channel',
        clients: 4,
        firstVisits: 3,
        revenue: 8800,
        qualifiedReferrals: 1,
        referredClients: 2,
        // (4000 + 1000 + 0 + 3800 + 2000) / 5 clients.
        ltv: 2160,
      });
      expect(instagram?.children).toEqual([
        {
          id: x.sources.stories,
          name: 'Stories',
          kind: 'sub-source',
          children: [],
          clients: 1,
          firstVisits: 1,
          revenue: 3800,
          qualifiedReferrals: 0,
          referredClients: 0,
          ltv: 2900,
        },
      ]);
      expect(none).toMatchObject({ id: null, kind: 'none', clients: 0, revenue: 0, ltv: 2000 });
      expect(tree).toHaveLength(2);
    });

    it('lists the clients behind a node for the drill-down', async () => {
      const period = { from: '2026-01-01', to: '2026-05-31' };
      expect(await sourceClients(t.db, { ...berlin(), ...period }, x.sources.instagram)).toEqual([
        {
          clientId: x.clients.A,
          registeredAt: at('2026-01-05T10:00'),
          firstVisitAt: at('2026-01-10T10:00'),
          visits: 4,
          revenue: 4000,
          referred: 1,
          qualifiedReferred: 1,
        },
      ]);
      expect(await sourceClients(t.db, { ...berlin(), ...period }, null)).toEqual([]);
      const all = await sourceClients(t.db, { zone: ZONE, ...period }, null);
      expect(all.map((c) => c.clientId)).toEqual([x.clients.G]);
    });

    it("shows a client's own tree two levels down and who brought them", async () => {
      const a = await clientReferralTree(t.db, x.clients.A);
      expect(a.referrerId).toBeNull();
      expect(a.client.children.map((c) => [c.clientId, c.status, c.revenue])).toEqual([
        [x.clients.C, 'qualified', 1000],
      ]);
      expect(a.client.children[0]?.children.map((c) => [c.clientId, c.status])).toEqual([
        [x.clients.F, 'pending'],
      ]);
      const f = await clientReferralTree(t.db, x.clients.F);
      expect(f.referrerId).toBe(x.clients.C);
      expect(f.client.children).toEqual([]);
      await expect(
        clientReferralTree(t.db, '00000000-0000-0000-0000-000000000000'),
      ).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('client value (A3)', () => {
    it('builds the cohort triangle by local month of the first visit', async () => {
      expect(await cohorts(t.db, { ...berlin(), from: '2026-01-01', to: '2026-05-31' })).toEqual([
        { cohort: '2026-01', size: 1, retained: [1, 1, 1, 1, 0] },
        // B's first visit is 1 March locally, 28 February in UTC.
        { cohort: '2026-03', size: 1, retained: [1, 0, 1] },
        { cohort: '2026-05', size: 1, retained: [1] },
      ]);
    });

    it("judges each client by their own rhythm, else their service's, else the default", async () => {
      const list = await churnList(t.db, NOW, {
        branchId: x.branch,
        states: ['active', 'at-risk', 'lost'],
      });
      const by = Object.fromEntries(list.map((c) => [c.clientId, c]));
      expect(by[x.clients.A]).toMatchObject({
        expectedIntervalDays: 30,
        intervalFrom: 'client',
        expectedReturnAt: at('2026-05-01T01:00'),
        state: 'at-risk',
        visits: 4,
        spend: 4000,
      });
      expect(by[x.clients.B]).toMatchObject({
        expectedIntervalDays: 80.6,
        intervalFrom: 'client',
        state: 'active',
      });
      // A single visit: the haircut's cycle.
      expect(by[x.clients.C]).toMatchObject({
        expectedIntervalDays: 30,
        intervalFrom: 'service',
        expectedReturnAt: at('2026-06-24T11:00'),
        state: 'active',
      });
      expect(by[x.clients.D]).toMatchObject({ expectedIntervalDays: 183, state: 'active' });
      // One manicure in July 2025, the manicure's cycle 80.56 days: lost after 241.7 days.
      expect(by[x.clients.E]).toMatchObject({ intervalFrom: 'service', state: 'lost' });
      expect(list.map((c) => c.clientId)).toEqual([
        x.clients.A,
        x.clients.B,
        x.clients.D,
        x.clients.E,
        x.clients.C,
      ]);
      expect((await churnList(t.db, NOW, { branchId: x.branch })).map((c) => c.clientId)).toEqual([
        x.clients.A,
      ]);
      expect(await churnCounts(t.db, NOW, { branchId: x.branch })).toEqual({
        active: 3,
        'at-risk': 1,
        lost: 1,
      });
    });

    it('gives the churn rate per local month', async () => {
      const months = await churnRate(
        t.db,
        { ...berlin(), from: '2026-01-01', to: '2026-05-31' },
        NOW,
      );
      // E lapses on 28 February 00:30Z; B's first visit is not before 1 March locally.
      expect(months).toEqual([
        { month: '2026-01', activeAtStart: 2, lost: 0, rate: 0 },
        { month: '2026-02', activeAtStart: 3, lost: 1, rate: 0.3333 },
        { month: '2026-03', activeAtStart: 2, lost: 0, rate: 0 },
        { month: '2026-04', activeAtStart: 3, lost: 0, rate: 0 },
        { month: '2026-05', activeAtStart: 3, lost: 0, rate: 0 },
      ]);
    });

    it('derives LTV from the ticket, the rhythm and the lifetime the churn rate gives', async () => {
      // June 2025 … May 2026: 24 client-months active, 1 lost → 24 months = 2 years.
      expect(await expectedLifetimeYears(t.db, NOW, ZONE, x.branch)).toBe(2);
      const ltv = await clientLtv(t.db, NOW, { zone: ZONE, branchId: x.branch });
      const by = Object.fromEntries(ltv.map((c) => [c.clientId, c]));
      expect(by[x.clients.A]).toEqual({
        clientId: x.clients.A,
        spendToDate: 4000,
        visits: 4,
        avgTicket: 1000,
        frequency: 12.17,
        expectedLifetimeYears: 2,
        expectedLtv: 24333.33,
      });
      // 1900 × 365 / 80.5625 × 2 = 17216.447.
      expect(by[x.clients.B]?.expectedLtv).toBe(17216.45);
      expect(by[x.clients.C]?.expectedLtv).toBe(24333.33);
      expect(ltv).toHaveLength(5);
      expect(ltv[4]?.clientId).toBe(x.clients.D);

      const bySource = await ltvByGroup(t.db, NOW, 'source', { zone: ZONE, branchId: x.branch });
      expect(bySource.map((g) => [g.label, g.clients, g.spendToDate, g.avgLtv])).toEqual([
        ['Stories', 2, 5800, 2900],
        ['Instagram', 2, 5000, 2500],
        ['', 1, 2000, 2000],
      ]);
      // (17216.447 + 2000 × 365 / 80.5625 × 2) / 2.
      expect(bySource[0]?.avgExpectedLtv).toBeCloseTo(17669.51, 1);
      const byService = await ltvByGroup(t.db, NOW, 'first-service', {
        zone: ZONE,
        branchId: x.branch,
      });
      expect(byService.map((g) => [g.label, g.clients, g.spendToDate])).toEqual([
        ['Стрижка', 3, 7000],
        ['Маникюр', 2, 5800],
      ]);
    });

    it('names RFM segments from quintile scores over 12 months', async () => {
      const segments = await rfmSegments(t.db, NOW, { branchId: x.branch });
      const by = Object.fromEntries(segments.map((s) => [s.segment, s]));
      // Recency ranks E < D < A < B < C → 1..5; frequency C = E (1) < B = D (3) < A (5).
      expect(by.loyal).toMatchObject({ size: 2, revenue: 7800 });
      expect(new Set(by.loyal?.clientIds)).toEqual(new Set([x.clients.A, x.clients.B]));
      expect(by.new?.clientIds).toEqual([x.clients.C]);
      expect(by['at-risk']?.clientIds).toEqual([x.clients.D]);
      expect(by.lost?.clientIds).toEqual([x.clients.E]);
      expect(by.champions?.size).toBe(0);
      expect(segments.reduce((n, s) => n + s.size, 0)).toBe(5);
    });

    it('splits new and returning clients', async () => {
      expect(await clientMix(t.db, { ...berlin(), from: '2026-03-01', to: '2026-05-31' })).toEqual({
        period: { from: '2026-03-01', to: '2026-05-31' },
        newClients: 2,
        returningClients: 1,
        visits: 5,
        visitsPerClient: 1.67,
        revenue: 6800,
        avgTicket: 1360,
      });
    });

    it('summarises a client for the card, a single-visit and a never-visited client too', async () => {
      // Salon-wide ranks (G included): A is 4th of 6 by recency and first by visits.
      expect(await clientSummary(t.db, x.clients.A, NOW)).toEqual({
        clientId: x.clients.A,
        spend: 4000,
        visits: 4,
        avgTicket: 1000,
        lastVisitAt: at('2026-04-01T01:00'),
        expectedReturnAt: at('2026-05-01T01:00'),
        churnState: 'at-risk',
        segment: 'champions',
        sourceId: x.sources.instagram,
        sourceName: 'Instagram',
        referrerId: null,
      });
      expect(await clientSummary(t.db, x.clients.C, NOW)).toMatchObject({
        visits: 1,
        expectedReturnAt: at('2026-06-24T11:00'),
        churnState: 'active',
        segment: 'new',
        referrerId: x.clients.A,
      });
      expect(await clientSummary(t.db, x.clients.F, NOW)).toMatchObject({
        spend: 0,
        visits: 0,
        lastVisitAt: null,
        expectedReturnAt: null,
        churnState: null,
        segment: null,
        referrerId: x.clients.C,
      });
    });
  });

  describe('masters (A4)', () => {
    it('gives visits, ratings, no-shows, utilisation, rebooking and new clients per master', async () => {
      const [m2, m1, ...rest] = await masterFigures(t.db, {
        ...berlin(),
        from: '2026-03-01',
        to: '2026-03-31',
      });
      expect(rest).toEqual([]);
      // 29 days × 12 h + a day off + one 4-hour day; the summer-time Sunday is a full day.
      expect(m1).toEqual({
        masterId: x.masters.m1,
        name: 'M1',
        branchId: x.branch,
        visits: 1,
        revenue: 1000,
        avgTicket: 1000,
        ratings: 1,
        avgRating: 4,
        ratingDistribution: [0, 0, 0, 1, 0],
        noShows: 1,
        noShowRate: 0.5,
        bookedMinutes: 120,
        workingMinutes: 21120,
        utilisation: 0.0057,
        rebookingRate: 1,
        newClients: 0,
      });
      expect(m2).toMatchObject({
        masterId: x.masters.m2,
        visits: 1,
        revenue: 2000,
        avgRating: 2,
        ratingDistribution: [0, 1, 0, 0, 0],
        noShowRate: 0,
        bookedMinutes: 90,
        workingMinutes: 22320,
        utilisation: 0.004,
        // B's next manicure is 80 days later.
        rebookingRate: 0,
        newClients: 1,
      });
    });
  });

  describe('campaigns', () => {
    it('counts sent, delivered, redeemed, returns within 60 days and their revenue', async () => {
      expect(
        await campaignFigures(t.db, { ...berlin(), from: '2026-05-01', to: '2026-05-31' }),
      ).toEqual([
        { kind: 'birthday', sent: 1, delivered: 1, redeemed: 1, cameBack: 1, revenue: 1800 },
        { kind: 'holiday', sent: 1, delivered: 1, redeemed: 0, cameBack: 0, revenue: 0 },
        // A booked again (5 June, not yet done); E's message never went out.
        { kind: 'winback', sent: 2, delivered: 1, redeemed: 0, cameBack: 1, revenue: 0 },
        { kind: 'manual', sent: 1, delivered: 1, redeemed: 0, cameBack: 0, revenue: 0 },
      ]);
      const april = await campaignFigures(t.db, {
        ...berlin(),
        from: '2026-04-01',
        to: '2026-04-30',
      });
      expect(april.find((c) => c.kind === 'winback')).toMatchObject({ sent: 1, cameBack: 0 });
    });
  });

  describe('monthly summaries', () => {
    const periods = [
      { from: '2026-01-01', to: '2026-05-31', compare: 'last-year' as const },
      { from: '2026-03-01', to: '2026-03-31', compare: 'previous' as const },
      { from: '2025-06-01', to: '2026-05-31' },
    ];

    it('give the same figures as the live queries once refreshed, and say as of when', async () => {
      expect((await seasonality(t.db, { ...berlin(), ...periods[0]! })).freshAsOf).toBeNull();
      const refreshedAt = at('2026-06-01T11:00');
      expect(await refreshAnalyticsSummary(t.db, refreshedAt)).toBeGreaterThan(0);
      expect(await analyticsFreshness(t.db)).toEqual({
        refreshedAt,
        pendingMonths: 0,
        pendingClients: 0,
      });
      for (const period of periods) {
        for (const scope of [berlin(), { zone: ZONE }]) {
          const filters = { ...scope, ...period };
          const summary = await seasonality(t.db, filters);
          expect(summary.freshAsOf).toEqual(refreshedAt);
          expect({ ...summary, freshAsOf: null }).toEqual(await seasonality(t.db, filters, 'live'));
          expect(await weekdayHour(t.db, filters)).toEqual(
            await weekdayHour(t.db, filters, 'live'),
          );
        }
      }
      // The churn model from the refreshed client facts and service cycles, as live.
      for (const branchId of [x.branch, undefined]) {
        const scope = branchId ? { branchId } : {};
        const all = { ...scope, states: ['active' as const, 'at-risk' as const, 'lost' as const] };
        expect(await churnList(t.db, NOW, all)).toEqual(
          await churnList(t.db, NOW, { ...all, source: 'live' }),
        );
        expect(await churnCounts(t.db, NOW, scope)).toEqual(
          await churnCounts(t.db, NOW, { ...scope, source: 'live' }),
        );
        const opts = { zone: ZONE, ...scope };
        expect(await clientLtv(t.db, NOW, opts)).toEqual(
          await clientLtv(t.db, NOW, { ...opts, source: 'live' }),
        );
        for (const by of ['source', 'first-service'] as const)
          expect(await ltvByGroup(t.db, NOW, by, opts)).toEqual(
            await ltvByGroup(t.db, NOW, by, { ...opts, source: 'live' }),
          );
      }
      expect((await clientSummary(t.db, x.clients.A, NOW)).expectedReturnAt).toEqual(
        at('2026-05-01T01:00'),
      );
      // A period that is not whole months is always computed live.
      expect(
        (await seasonality(t.db, { ...berlin(), from: '2026-03-02', to: '2026-03-31' })).freshAsOf,
      ).toBeNull();
    });

    it('mark the month a visit changes and catch up on the next refresh', async () => {
      const before = await seasonality(t.db, { ...berlin(), from: '2026-05-01', to: '2026-05-31' });
      expect(before.total.months[0]?.visits).toBe(2);
      await t.db
        .updateTable('appointments')
        .set({ status: 'done', amount_paid: '1000' })
        .where('id', '=', x.visits.F1 ?? '')
        .execute();
      await t.db
        .updateTable('appointments')
        .set({
          starts_at: at('2026-05-28T10:00'),
          ends_at: at('2026-05-28T11:00'),
          blocked_until: at('2026-05-28T11:00'),
        })
        .where('id', '=', x.visits.F1 ?? '')
        .execute();
      // The visit left March and came to May: both months wait.
      expect(await analyticsFreshness(t.db)).toMatchObject({ pendingMonths: 2, pendingClients: 1 });
      const stale = await seasonality(t.db, { ...berlin(), from: '2026-05-01', to: '2026-05-31' });
      expect(stale.total.months[0]?.visits).toBe(2);
      await refreshAnalyticsSummary(t.db, at('2026-06-01T11:05'));
      const fresh = await seasonality(t.db, { ...berlin(), from: '2026-05-01', to: '2026-05-31' });
      expect(fresh.total.months[0]).toEqual({
        month: '2026-05',
        visits: 3,
        revenue: 3800,
        clients: 3,
      });
      const march = await weekdayHour(t.db, { ...berlin(), from: '2026-03-01', to: '2026-03-31' });
      expect(march.find((c) => c.weekday === 7 && c.hour === 10)?.bookings).toBe(2);
      expect(await analyticsFreshness(t.db)).toEqual({
        refreshedAt: at('2026-06-01T11:05'),
        pendingMonths: 0,
        pendingClients: 0,
      });
      // F's no-show became a completed visit: F now has facts, with the haircut's cycle.
      const f = await churnList(t.db, NOW, { branchId: x.branch, states: ['active'] });
      expect(f.find((c) => c.clientId === x.clients.F)).toMatchObject({
        visits: 1,
        intervalFrom: 'service',
      });
    });
  });

  describe('bad filters', () => {
    it.each([
      [{ from: '2026-13-01', to: '2026-12-31' }, 'from'],
      [{ from: 'yesterday', to: '2026-12-31' }, 'from'],
      [{ from: '2026-05-01', to: '2026-04-01' }, 'to'],
      [{ from: '2000-01-01', to: '2026-12-31' }, 'to'],
      [{ from: '2026-01-01', to: '2026-01-31', zone: 'Mars/Base' }, 'zone'],
      [{ from: '2026-01-01', to: '2026-01-31', branchId: "x' OR 1=1 --" }, 'branchId'],
      [{ from: '2026-01-01', to: '2026-01-31', compare: 'decade' }, 'compare'],
    ])('rejects %j naming %s', async (bad, field) => {
      const filters = { zone: ZONE, ...bad } as Parameters<typeof seasonality>[1];
      const err = await seasonality(t.db, filters).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe(field);
    });
  });
});
