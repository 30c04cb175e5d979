import { describe, expect, it } from 'vitest';
import { auditIp } from '../../src/domain/audit/audit-log.js';
import { retryDelaySeconds, throttleAddress } from '../../src/domain/staff/login-throttle.js';
import { DEFAULT_STAFF_POLICY } from '../../src/domain/staff/staff-policy.js';

const delay = (failures: number) => retryDelaySeconds(failures, DEFAULT_STAFF_POLICY);

describe('login throttling rules', () => {
  it('lets the first failures go, then doubles the wait up to the maximum', () => {
    expect([1, 2, 3, 4].map(delay)).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8].map(delay)).toEqual([2, 4, 8, 16]);
    expect(delay(14)).toBe(15 * 60);
    expect(delay(1_000_000)).toBe(15 * 60);
    for (let f = 5; f < 40; f++) expect(delay(f + 1)).toBeGreaterThanOrEqual(delay(f));
  });

  it('follows the policy it is given: its free failures and its longest wait', () => {
    const policy = { freeFailures: 3, maxDelaySeconds: 60 };
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map((f) => retryDelaySeconds(f, policy));
    expect(waits).toEqual([0, 0, 2, 4, 8, 16, 32, 60]);
    expect(retryDelaySeconds(1_000_000, policy)).toBe(60);
    const patient = { freeFailures: 20, maxDelaySeconds: 24 * 3600 };
    expect(retryDelaySeconds(19, patient)).toBe(0);
    expect(retryDelaySeconds(20, patient)).toBe(2);
    expect(retryDelaySeconds(35, patient)).toBe(2 ** 16);
    expect(retryDelaySeconds(36, patient)).toBe(24 * 3600);
  });

  it('counts IPv4 by address, IPv6 by its /64, anything else as unknown', () => {
    expect(throttleAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(throttleAddress('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(throttleAddress('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleAddress('::1')).toBe('0:0:0:0::/64');
    for (const bad of [
      null,
      undefined,
      '',
      'unknown',
      '<script>alert(1)</script>',
      '1.2.3',
      '9'.repeat(500),
    ])
      expect(throttleAddress(bad)).toBe('unknown');
  });

  it('stores only a valid IP in the audit log', () => {
    expect(auditIp('198.51.100.4')).toBe('198.51.100.4');
    expect(auditIp('2001:db8::5')).toBe('2001:db8::5');
    expect(auditIp(null)).toBeNull();
    expect(auditIp(undefined)).toBeNull();
    expect(auditIp('')).toBeNull();
    expect(auditIp('<script>alert(1)</script>')).toBe('invalid');
    expect(auditIp('10.0.0.1, 10.0.0.2')).toBe('invalid');
    expect(auditIp('x'.repeat(10_000))).toBe('invalid');
  });
});
