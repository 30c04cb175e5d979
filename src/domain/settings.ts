import { sql } from 'kysely';
import type { Db } from './shared/transaction.js';

/** Salon-wide switches, editable in the panel later; each has a safe default here. */
export const SETTING_DEFAULTS = {
  'registration.allow_typed_phone': false as boolean,
  /** How far ahead clients may book. */
  'booking.horizon_days': 30 as number,
  /** How soon the earliest bookable start may be. */
  'booking.lead_minutes': 60 as number,
  /** Grid of start times. */
  'booking.step_minutes': 15 as number,
  /** Clients cannot cancel or move a visit later than this before it starts. */
  'booking.cancel_cutoff_hours': 12 as number,
  /** Hours before a visit at which the client is reminded; each reminder is sent once. */
  'reminders.offsets_hours': [24, 2] as number[],
  /** Local hour (branch time) at which masters get the day's agenda. */
  'agenda.local_hour': 8 as number,
  /** A rating at or below this alerts the branch's managers. */
  'feedback.alert_max_score': 2 as number,
  /** Masters see their clients' phones in the panel only when the salon allows it. */
  'panel.master_sees_phone': false as boolean,
  /** Local hour (branch time) for birthday, holiday and win-back greetings. */
  'greetings.local_hour': 10 as number,
  /** Birthday coupon percent (0: no coupon) and how many days it is valid. */
  'birthday.coupon_percent': 10 as number,
  'birthday.coupon_days': 14 as number,
  /** Win-back after this many months without a visit (6 to 8), with a coupon. */
  'winback.months': 6 as number,
  'winback.coupon_percent': 15 as number,
  'winback.coupon_days': 30 as number,
  /** Win-back picks clients the churn model calls at risk instead of the fixed months. */
  'winback.use_churn_model': false as boolean,
  /** Churn model: at risk past this many expected intervals without a visit, lost past that. */
  'churn.at_risk_factor': 1.5 as number,
  'churn.lost_factor': 3 as number,
  /** Churn model: expected interval when neither the client nor the service has a rhythm. */
  'churn.default_cycle_days': 60 as number,
  /** The bot's @username, for deep links shown in the panel ('' while unknown). */
  'bot.username': '' as string,
} as const;
export type SettingKey = keyof typeof SETTING_DEFAULTS;

export async function getSetting<K extends SettingKey>(
  db: Db,
  key: K,
): Promise<(typeof SETTING_DEFAULTS)[K]> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  const fallback = SETTING_DEFAULTS[key];
  return row && typeof row.value === typeof fallback
    ? (row.value as (typeof SETTING_DEFAULTS)[K])
    : fallback;
}

/** Several settings in one round trip. */
export async function getSettings<K extends SettingKey>(
  db: Db,
  keys: readonly K[],
): Promise<{ [P in K]: (typeof SETTING_DEFAULTS)[P] }> {
  const rows = await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where('key', 'in', [...keys])
    .execute();
  const out = {} as { [P in K]: (typeof SETTING_DEFAULTS)[P] };
  for (const key of keys) {
    const row = rows.find((r) => r.key === key);
    const fallback = SETTING_DEFAULTS[key];
    out[key] = (
      row && typeof row.value === typeof fallback ? row.value : fallback
    ) as (typeof SETTING_DEFAULTS)[K];
  }
  return out;
}

export async function setSetting<K extends SettingKey>(
  db: Db,
  key: K,
  value: (typeof SETTING_DEFAULTS)[K],
): Promise<void> {
  const json = JSON.stringify(value);
  await db
    .insertInto('settings')
    .values({ key, value: json })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: sql`now()` }))
    .execute();
}
