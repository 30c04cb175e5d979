import type { Migration } from 'kysely';
import * as core from './20261124T1200_core.js';
import * as clientMessages from './20261124T1300_client_messages.js';
import * as onboarding from './20261124T1400_onboarding.js';
import * as booking from './20261124T1500_booking.js';
import * as visits from './20261125T1000_visits.js';
import * as loyalty from './20261125T1100_loyalty.js';
import * as couponRevoke from './20261126T1000_coupon_revoke.js';
import * as loginThrottle from './20261201T0100_login_throttle.js';
import * as sandbox from './20261201T0200_sandbox.js';
import * as clientTagsEncrypted from './20261201T1000_client_tags_encrypted.js';
import * as greetingsNamed from './20261201T1100_greetings_named.js';
import * as importJobs from './20261201T1100_import_jobs.js';
import * as sendLimits from './20261201T1200_send_limits.js';
import * as analyticsIndexes from './20261201T1300_analytics_indexes.js';
import * as feedbackHandled from './20261201T1612_feedback_handled.js';

/**
 * Every migration, by name, in order. Listed by hand rather than read from the folder so the
 * same code runs under tsx, vitest and a bundler; names sort by their timestamps.
 */
export const migrations: Record<string, Migration> = {
  '20261124T1200_core': core,
  '20261124T1300_client_messages': clientMessages,
  '20261124T1400_onboarding': onboarding,
  '20261124T1500_booking': booking,
  '20261125T1000_visits': visits,
  '20261125T1100_loyalty': loyalty,
  '20261126T1000_coupon_revoke': couponRevoke,
  '20261201T0100_login_throttle': loginThrottle,
  '20261201T0200_sandbox': sandbox,
  '20261201T1000_client_tags_encrypted': clientTagsEncrypted,
  '20261201T1100_greetings_named': greetingsNamed,
  '20261201T1100_import_jobs': importJobs,
  '20261201T1200_send_limits': sendLimits,
  '20261201T1300_analytics_indexes': analyticsIndexes,
  '20261201T1612_feedback_handled': feedbackHandled,
};
