import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  combinedPercent,
  DEFAULT_RULES,
  type LoyaltyRules,
  levelFor,
  maxPointsSpend,
  pointsEarned,
  referralPercent,
  rulesSchema,
} from '../../src/domain/loyalty/loyalty-rules.js';

const rulesArb: fc.Arbitrary<LoyaltyRules> = fc.record({
  referral: fc.array(
    fc.record({
      friends: fc.integer({ min: 1, max: 20 }),
      percent: fc.integer({ min: 0, max: 50 }),
    }),
    { maxLength: 5 },
  ),
  secondLevelWeight: fc.double({ min: 0, max: 1, noNaN: true }),
  referralCapPercent: fc.integer({ min: 0, max: 100 }),
  levels: fc.uniqueArray(
    fc.record({
      name: fc.string({ minLength: 1, maxLength: 5 }),
      minSpend: fc.integer({ min: 0, max: 100_000 }),
      minVisits: fc.integer({ min: 0, max: 30 }),
      percent: fc.integer({ min: 0, max: 30 }),
    }),
    { minLength: 1, maxLength: 4, selector: (l) => l.name },
  ),
  levelWindowDays: fc.constant(365),
  globalCapPercent: fc.integer({ min: 0, max: 100 }),
  points: fc.record({
    earnPercent: fc.integer({ min: 0, max: 20 }),
    maxSharePercent: fc.integer({ min: 0, max: 100 }),
  }),
});

describe('loyalty rules', () => {
  it('default table: 1 → 5 %, 3 → 10 %, 5 → 15 %, capped at 15 %', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map((n) => referralPercent(n, 0, DEFAULT_RULES))).toEqual([
      0, 5, 5, 10, 10, 15, 15,
    ]);
    // Second-level friends count only with a weight.
    expect(referralPercent(1, 4, DEFAULT_RULES)).toBe(5);
    expect(referralPercent(1, 4, { ...DEFAULT_RULES, secondLevelWeight: 0.5 })).toBe(10);
  });

  it('combines: the larger of referral and level, plus a coupon, never above the cap', () => {
    expect(combinedPercent({ referral: 10, level: 7, coupon: 0 }, DEFAULT_RULES)).toBe(10);
    expect(combinedPercent({ referral: 5, level: 7, coupon: 10 }, DEFAULT_RULES)).toBe(17);
    expect(combinedPercent({ referral: 15, level: 7, coupon: 20 }, DEFAULT_RULES)).toBe(25);
  });

  it('levels by spend or visits, with the next one up', () => {
    expect(levelFor(0, 0, DEFAULT_RULES)).toMatchObject({
      level: { name: 'Bronze' },
      next: { name: 'Silver' },
    });
    expect(levelFor(25_000, 0, DEFAULT_RULES).level?.name).toBe('Silver');
    expect(levelFor(0, 12, DEFAULT_RULES)).toMatchObject({ level: { name: 'Gold' }, next: null });
  });

  it('points: whole points earned, spending within the balance and the share of the bill', () => {
    expect(pointsEarned(1999, DEFAULT_RULES)).toBe(59);
    expect(maxPointsSpend(2000, 1000, DEFAULT_RULES)).toBe(400);
    expect(maxPointsSpend(2000, 150.7, DEFAULT_RULES)).toBe(150);
  });

  it('property: percents stay within [0, caps] and grow with friends', () => {
    fc.assert(
      fc.property(rulesArb, fc.nat(100), fc.nat(100), fc.nat(100), (rules, q, second, coupon) => {
        const r = referralPercent(q, second, rules);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(rules.referralCapPercent);
        expect(referralPercent(q + 1, second, rules)).toBeGreaterThanOrEqual(r);
        const { level } = levelFor(q * 1000, second, rules);
        const total = combinedPercent({ referral: r, level: level?.percent ?? 0, coupon }, rules);
        expect(total).toBeGreaterThanOrEqual(0);
        expect(total).toBeLessThanOrEqual(Math.max(0, rules.globalCapPercent));
        expect(total).toBeGreaterThanOrEqual(
          Math.min(rules.globalCapPercent, Math.max(r, level?.percent ?? 0)),
        );
      }),
    );
  });

  it('property: a level never drops when spend or visits grow; points never exceed balance or share', () => {
    fc.assert(
      fc.property(
        rulesArb,
        fc.nat(200_000),
        fc.nat(50),
        fc.nat(10_000),
        fc.nat(100_000),
        (rules, spend, visits, more, balance) => {
          const before = levelFor(spend, visits, rules).level?.percent ?? 0;
          expect(
            levelFor(spend + more, visits + 1, rules).level?.percent ?? 0,
          ).toBeGreaterThanOrEqual(before);
          const spendable = maxPointsSpend(spend, balance, rules);
          expect(spendable).toBeLessThanOrEqual(balance);
          expect(spendable).toBeLessThanOrEqual((spend * rules.points.maxSharePercent) / 100);
        },
      ),
    );
  });

  it('validates edited rules', () => {
    expect(rulesSchema.safeParse(DEFAULT_RULES).success).toBe(true);
    for (const bad of [
      { ...DEFAULT_RULES, globalCapPercent: 101 },
      { ...DEFAULT_RULES, referral: [{ friends: 0, percent: 5 }] },
      { ...DEFAULT_RULES, levels: [] },
      { ...DEFAULT_RULES, levels: [DEFAULT_RULES.levels[0], DEFAULT_RULES.levels[0]] },
      { ...DEFAULT_RULES, secondLevelWeight: 2 },
      { ...DEFAULT_RULES, points: { earnPercent: -1, maxSharePercent: 10 } },
    ])
      expect(rulesSchema.safeParse(bad).success).toBe(false);
  });
});
