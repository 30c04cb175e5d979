/**
 * The default referral rule table (PRODUCT.md L3): qualified friends → discount percent.
 * The loyalty issue makes the table editable; this is its starting content and the pure rule.
 */
export const DEFAULT_REFERRAL_RULES: readonly { friends: number; percent: number }[] = [
  { friends: 1, percent: 5 },
  { friends: 3, percent: 10 },
  { friends: 5, percent: 15 },
];

export function referralDiscount(qualifiedFriends: number, rules = DEFAULT_REFERRAL_RULES): number {
  let percent = 0;
  for (const rule of rules)
    if (qualifiedFriends >= rule.friends) percent = Math.max(percent, rule.percent);
  return percent;
}
