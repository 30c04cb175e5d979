import { z } from 'zod';

/**
 * The salon's discount rules as data (PRODUCT.md L3, L4), versioned when edited. One rule
 * combines them: the larger of the referral and the level discount, plus a coupon, never above
 * the global cap.
 */
export interface LoyaltyRules {
  /** Qualified friends → percent; the highest step reached applies. */
  referral: { friends: number; percent: number }[];
  /** How much a friend's qualified friend counts (0: not at all, 0.5: half a friend). */
  secondLevelWeight: number;
  referralCapPercent: number;
  /** Reached by spend or by visits within the window; the highest level reached applies. */
  levels: { name: string; minSpend: number; minVisits: number; percent: number }[];
  levelWindowDays: number;
  globalCapPercent: number;
  /** Points: earned as a percent of what was paid; one point pays one unit of money. */
  points: { earnPercent: number; maxSharePercent: number };
}

export const DEFAULT_RULES: LoyaltyRules = {
  referral: [
    { friends: 1, percent: 5 },
    { friends: 3, percent: 10 },
    { friends: 5, percent: 15 },
  ],
  secondLevelWeight: 0,
  referralCapPercent: 15,
  levels: [
    { name: 'Bronze', minSpend: 0, minVisits: 0, percent: 0 },
    { name: 'Silver', minSpend: 20_000, minVisits: 6, percent: 3 },
    { name: 'Gold', minSpend: 50_000, minVisits: 12, percent: 7 },
  ],
  levelWindowDays: 365,
  globalCapPercent: 25,
  points: { earnPercent: 3, maxSharePercent: 20 },
};

const percent = z.number().finite().min(0).max(100);

export const rulesSchema = z
  .object({
    referral: z.array(z.object({ friends: z.number().int().min(1).max(1000), percent })).max(20),
    secondLevelWeight: z.number().finite().min(0).max(1),
    referralCapPercent: percent,
    levels: z
      .array(
        z.object({
          name: z.string().trim().min(1).max(40),
          minSpend: z.number().finite().min(0).max(1e9),
          minVisits: z.number().int().min(0).max(10_000),
          percent,
        }),
      )
      .min(1)
      .max(10),
    levelWindowDays: z.number().int().min(30).max(3650),
    globalCapPercent: percent,
    points: z.object({ earnPercent: percent, maxSharePercent: percent }),
  })
  .refine((r) => new Set(r.levels.map((l) => l.name)).size === r.levels.length, {
    path: ['levels'],
    message: 'duplicate-name',
  })
  .refine((r) => new Set(r.referral.map((s) => s.friends)).size === r.referral.length, {
    path: ['referral'],
    message: 'duplicate-friends',
  });

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Referral percent from qualified friends, and their own qualified friends by the weight. */
export function referralPercent(
  qualified: number,
  secondLevel: number,
  rules: LoyaltyRules,
): number {
  const counted = qualified + secondLevel * rules.secondLevelWeight;
  let best = 0;
  for (const step of rules.referral)
    if (counted >= step.friends) best = Math.max(best, step.percent);
  return Math.min(best, rules.referralCapPercent);
}

/** The level reached by spend or visits in the window, and the next one up. */
export function levelFor(
  spend: number,
  visits: number,
  rules: LoyaltyRules,
): { level: LoyaltyRules['levels'][number] | null; next: LoyaltyRules['levels'][number] | null } {
  const ordered = [...rules.levels].sort((a, b) => a.percent - b.percent);
  const reached = ordered.filter((l) => spend >= l.minSpend || visits >= l.minVisits);
  const level = reached.at(-1) ?? null;
  const next = ordered.find((l) => !reached.includes(l) && l.percent > (level?.percent ?? -1));
  return { level, next: next ?? null };
}

/** The one combination rule: max(referral, level) + coupon, within [0, global cap]. */
export function combinedPercent(
  parts: { referral: number; level: number; coupon: number },
  rules: LoyaltyRules,
): number {
  const total = Math.max(parts.referral, parts.level) + parts.coupon;
  return round2(Math.max(0, Math.min(total, rules.globalCapPercent)));
}

/** Whole points earned on a paid amount. */
export function pointsEarned(paid: number, rules: LoyaltyRules): number {
  return Math.max(0, Math.floor((paid * rules.points.earnPercent) / 100));
}

/** The most points a bill may take: the balance, within the allowed share of the bill. */
export function maxPointsSpend(bill: number, balance: number, rules: LoyaltyRules): number {
  return Math.max(
    0,
    Math.min(Math.floor(balance), Math.floor((bill * rules.points.maxSharePercent) / 100)),
  );
}
