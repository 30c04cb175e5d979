import { z } from 'zod';
import { type LoyaltyRules, rulesSchema } from '../../../domain/loyalty/loyalty-rules.js';
import type { FieldErrors } from './page-input.js';

/** Level names reach clients in the bot: letters, digits and a few signs, no markup. */
const NAME = /^[\p{L}\p{N} .,'’+#№()_-]+$/u;
const NUMBER = /^[+-]?\d+(\.\d+)?$/;
const MAX_CELL = 10_000;
const MAX_ROWS = { referral: 20, levels: 10 } as const;

/**
 * One typed value: kept as text so a wrong one is shown back as it was; anything but text or a
 * number (a list from a repeated field, an object) becomes a value no rule accepts.
 */
const cell = z
  .unknown()
  .transform((v) =>
    typeof v === 'string' ? v.slice(0, MAX_CELL) : typeof v === 'number' ? String(v) : '\u0000',
  );

/** The form as the page posts it (its body schema): every value as typed. */
export const loyaltyFormSchema = z.object({
  referral: z.array(z.object({ friends: cell, percent: cell })).max(500),
  secondLevelWeight: cell,
  referralCapPercent: cell,
  levels: z
    .array(z.object({ name: cell, minSpend: cell, minVisits: cell, percent: cell }))
    .max(500),
  levelWindowDays: cell,
  globalCapPercent: cell,
  points: z.object({ earnPercent: cell, maxSharePercent: cell }),
});
export type LoyaltyForm = z.infer<typeof loyaltyFormSchema>;

export function toForm(r: LoyaltyRules): LoyaltyForm {
  const s = (n: number) => String(n);
  return {
    referral: r.referral.map((x) => ({ friends: s(x.friends), percent: s(x.percent) })),
    secondLevelWeight: s(r.secondLevelWeight),
    referralCapPercent: s(r.referralCapPercent),
    levels: r.levels.map((l) => ({
      name: l.name,
      minSpend: s(l.minSpend),
      minVisits: s(l.minVisits),
      percent: s(l.percent),
    })),
    levelWindowDays: s(r.levelWindowDays),
    globalCapPercent: s(r.globalCapPercent),
    points: { earnPercent: s(r.points.earnPercent), maxSharePercent: s(r.points.maxSharePercent) },
  };
}

function valueAt(o: unknown, path: PropertyKey[]): unknown {
  let v = o;
  for (const key of path) v = (v as Record<PropertyKey, unknown> | undefined)?.[key];
  return v;
}

/**
 * The typed form as rules, or the message key for every field at fault. The limits are the
 * domain's schema; this adds what a person typing needs: numbers, names without markup,
 * duplicates pointed at the row.
 */
export function checkLoyaltyForm(
  form: LoyaltyForm,
): { rules: LoyaltyRules } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const num = (path: string, value: string): number => {
    const v = value.trim().replace(',', '.');
    if (v === '') errors[path] = { key: 'required' };
    else if (v.length > 30 || !NUMBER.test(v)) errors[path] = { key: 'number' };
    return Number(v);
  };
  const name = (path: string, value: string): string => {
    const v = value.trim();
    if (v === '') errors[path] = { key: 'required' };
    else if (v.length > 40) errors[path] = { key: 'long', params: { n: 40 } };
    else if (!NAME.test(v)) errors[path] = { key: 'nameChars' };
    return v;
  };
  const candidate = {
    referral: form.referral.slice(0, MAX_ROWS.referral + 1).map((r, i) => ({
      friends: num(`referral.${i}.friends`, r.friends),
      percent: num(`referral.${i}.percent`, r.percent),
    })),
    secondLevelWeight: num('secondLevelWeight', form.secondLevelWeight),
    referralCapPercent: num('referralCapPercent', form.referralCapPercent),
    levels: form.levels.slice(0, MAX_ROWS.levels + 1).map((l, i) => ({
      name: name(`levels.${i}.name`, l.name),
      minSpend: num(`levels.${i}.minSpend`, l.minSpend),
      minVisits: num(`levels.${i}.minVisits`, l.minVisits),
      percent: num(`levels.${i}.percent`, l.percent),
    })),
    levelWindowDays: num('levelWindowDays', form.levelWindowDays),
    globalCapPercent: num('globalCapPercent', form.globalCapPercent),
    points: {
      earnPercent: num('points.earnPercent', form.points.earnPercent),
      maxSharePercent: num('points.maxSharePercent', form.points.maxSharePercent),
    },
  };
  const seen = new Set<string>();
  candidate.levels.forEach((l, i) => {
    const key = l.name.toLowerCase();
    if (key !== '' && seen.has(key)) errors[`levels.${i}.name`] ??= { key: 'duplicateName' };
    seen.add(key);
  });
  const steps = new Set<number>();
  candidate.referral.forEach((r, i) => {
    if (steps.has(r.friends)) errors[`referral.${i}.friends`] ??= { key: 'duplicateFriends' };
    steps.add(r.friends);
  });
  if (form.referral.length > MAX_ROWS.referral)
    errors.referral = { key: 'rowsMax', params: { n: MAX_ROWS.referral } };
  if (form.levels.length > MAX_ROWS.levels)
    errors.levels = { key: 'rowsMax', params: { n: MAX_ROWS.levels } };
  const parsed = rulesSchema.safeParse(candidate);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.') || 'rules';
      if (errors[path]) continue;
      const i = issue as { code: string; origin?: string; minimum?: unknown; maximum?: unknown };
      if (i.code === 'too_big' && i.origin === 'array')
        errors[path] = { key: 'rowsMax', params: { n: Number(i.maximum) } };
      else if (i.code === 'too_small' && i.origin === 'array') errors[path] = { key: 'rowsMin' };
      else if (i.code === 'too_big' && i.origin === 'string')
        errors[path] = { key: 'long', params: { n: Number(i.maximum) } };
      else if (i.code === 'too_big')
        errors[path] = { key: 'max', params: { n: Number(i.maximum) } };
      else if (i.code === 'too_small' && i.origin === 'string') errors[path] = { key: 'required' };
      else if (i.code === 'too_small')
        errors[path] = { key: 'min', params: { n: Number(i.minimum) } };
      else if (i.code === 'invalid_type' && Number.isFinite(Number(valueAt(candidate, issue.path))))
        errors[path] = { key: 'whole' };
      else if (i.code === 'invalid_type') errors[path] = { key: 'number' };
      else errors[path] = { key: 'invalid' };
    }
  if (Object.keys(errors).length > 0 || !parsed.success) return { errors };
  return { rules: parsed.data };
}
