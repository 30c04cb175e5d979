/**
 * The password rule and the login lock-out policy of staff accounts. The values below are the
 * defaults; the settings PASSWORD_MIN_SCORE, PASSWORD_MIN_LENGTH, LOGIN_FREE_FAILURES,
 * LOGIN_MAX_DELAY_MINUTES and LOGIN_ACCOUNT_CEILING change them (src/config.ts), and the runtime
 * hands them to StaffService as plain data.
 */
export interface StaffPolicy {
  /** zxcvbn score (0–4) a new password must reach; 3 is "safely unguessable" online. */
  passwordMinScore: number;
  /** Characters a password must have at least (at most 256 always). */
  passwordMinLength: number;
  /** Failures of one address at one account before it has to wait. */
  freeFailures: number;
  /** The longest wait of one address, in seconds. */
  maxDelaySeconds: number;
  /** Failures at one account in the last hour, all addresses together, before the pace applies. */
  accountCeiling: number;
}

export const DEFAULT_STAFF_POLICY: Readonly<StaffPolicy> = Object.freeze({
  passwordMinScore: 3,
  passwordMinLength: 12,
  freeFailures: 5,
  maxDelaySeconds: 15 * 60,
  accountCeiling: 30,
});

/** Longest password accepted, whatever the policy: hashing cost and form sizes stay bounded. */
export const MAX_PASSWORD_LENGTH = 256;
