import { isIP } from 'node:net';
import { sql } from 'kysely';
import type { Db, Tx } from '../shared/transaction.js';
import type { StaffPolicy } from './staff-policy.js';

/**
 * How panel logins are slowed down. Nobody is locked out for everybody: an address that keeps
 * failing at an account waits longer and longer, and only that address; past a ceiling of
 * failures at one account from all addresses, addresses the account never logged in from
 * share one attempt per pace, while the holder's familiar addresses are not held back. The
 * free failures, the longest wait and the ceiling are settings (StaffPolicy); these are not.
 */
export const LOGIN_TIMINGS = {
  /** An address's failures are forgotten after this long without one. */
  forgetAfterHours: 24,
  /** Past the ceiling, unfamiliar addresses together get one attempt per this many seconds. */
  accountPaceSeconds: 10,
  /** The holder and the owners are told of an attack at most this often per account. */
  noticeEveryMinutes: 60,
} as const;

/** The part of the staff policy the throttle follows. */
export type ThrottlePolicy = Pick<
  StaffPolicy,
  'freeFailures' | 'maxDelaySeconds' | 'accountCeiling'
>;

/**
 * Seconds an address must wait before its next try at an account after `failures` failures in
 * a row: none while fewer than `freeFailures`, then 2, 4, 8… seconds, up to `maxDelaySeconds`.
 */
export function retryDelaySeconds(
  failures: number,
  policy: Pick<StaffPolicy, 'freeFailures' | 'maxDelaySeconds'>,
): number {
  const { freeFailures, maxDelaySeconds } = policy;
  if (failures < freeFailures) return 0;
  const exponent = failures - freeFailures + 1;
  return exponent >= 30 ? maxDelaySeconds : Math.min(2 ** exponent, maxDelaySeconds);
}

/** The eight groups of an IPv6 address, or null. */
function ipv6Groups(ip: string): number[] | null {
  let text = ip.toLowerCase().split('%')[0] ?? '';
  // An IPv4 tail (::ffff:1.2.3.4) as two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return null;
  const groups = [...left, ...Array(tail === undefined ? 0 : missing).fill('0'), ...right];
  const numbers = groups.map((g) => Number.parseInt(g, 16));
  return numbers.length === 8 && numbers.every((n) => n >= 0 && n <= 0xffff) ? numbers : null;
}

/**
 * The address a login is counted under: an IPv4 address as it is (IPv4-mapped IPv6 too), an
 * IPv6 address by its /64 network, which one subscriber usually holds whole (counting single
 * IPv6 addresses would give an attacker 2^64 fresh budgets); anything else as `unknown`.
 */
export function throttleAddress(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return 'unknown';
  const groups = ipv6Groups(ip);
  if (!groups) return 'unknown';
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

export type Claim =
  | { allowed: true; failures: number; familiar: boolean }
  | { allowed: false; until: Date };

/**
 * Takes one attempt at an account from an address (in the caller's transaction, committed
 * before the slow password check so the count holds while it runs), counted as a failure before the password is
 * checked (a success undoes it), so parallel guesses cannot share one free attempt. Refused when
 * the address must still wait, or when the account is past its ceiling, this address is new to
 * it and another unfamiliar address used the current pace slot.
 */
export async function claimAttempt(
  tx: Tx,
  account: { staffId: string } | { unknown: string },
  address: string,
  now: Date,
  policy: ThrottlePolicy,
): Promise<Claim> {
  const key = 'staffId' in account ? account.staffId : `unknown:${account.unknown}`;
  await tx
    .insertInto('login_throttle')
    .values({ account: key, ip: address })
    .onConflict((oc) => oc.columns(['account', 'ip']).doNothing())
    .execute();
  const pair = await tx
    .selectFrom('login_throttle')
    .selectAll()
    .where('account', '=', key)
    .where('ip', '=', address)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const familiar = pair.last_success_at !== null;
  // Read before the wait is checked, so a waiting attempt costs the same queries.
  const total = familiar ? 0 : await accountFailures(tx, key, now);
  if (pair.next_allowed_at && pair.next_allowed_at > now)
    return { allowed: false, until: pair.next_allowed_at };
  // Only a real account has a pace to share; an unknown e-mail is slowed per address alone.
  if ('staffId' in account && total >= policy.accountCeiling) {
    const staffId = account.staffId;
    const paced = await tx
      .updateTable('staff_users')
      .set({ locked_until: new Date(now.getTime() + LOGIN_TIMINGS.accountPaceSeconds * 1000) })
      .where('id', '=', staffId)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .returning('locked_until')
      .executeTakeFirst();
    if (!paced) {
      const row = await tx
        .selectFrom('staff_users')
        .select('locked_until')
        .where('id', '=', staffId)
        .executeTakeFirstOrThrow();
      return { allowed: false, until: row.locked_until ?? now };
    }
  }
  const stale =
    pair.last_failure_at !== null &&
    now.getTime() - pair.last_failure_at.getTime() > LOGIN_TIMINGS.forgetAfterHours * 3_600_000;
  const failures = (stale ? 0 : pair.failures) + 1;
  const delay = retryDelaySeconds(failures, policy);
  await tx
    .updateTable('login_throttle')
    .set({
      failures,
      last_failure_at: now,
      next_allowed_at: delay > 0 ? new Date(now.getTime() + delay * 1000) : null,
    })
    .where('account', '=', key)
    .where('ip', '=', address)
    .execute();
  return { allowed: true, failures, familiar };
}

/** A successful login: this address starts afresh and is familiar to the account from now on. */
export async function recordSuccess(
  db: Db,
  staffId: string,
  address: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('login_throttle')
    .set({ failures: 0, next_allowed_at: null, last_success_at: now })
    .where('account', '=', staffId)
    .where('ip', '=', address)
    .execute();
}

/**
 * Failures at an account (a staff id or an `unknown:` key), all addresses together, of addresses
 * that failed in the last hour.
 */
export async function accountFailures(db: Db, account: string, now: Date): Promise<number> {
  const row = await db
    .selectFrom('login_throttle')
    .select(sql<string>`coalesce(sum(failures), 0)`.as('total'))
    .where('account', '=', account)
    .where('last_failure_at', '>', new Date(now.getTime() - 3_600_000))
    .executeTakeFirstOrThrow();
  return Number(row.total);
}
