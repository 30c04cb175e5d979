import { describe, expect, it } from 'vitest';
import { isUuid, UUID_PATTERN } from '../../src/domain/shared/ids.js';

describe('the one UUID check', () => {
  it('accepts canonical UUIDs in either case', () => {
    expect(isUuid('0b3f6a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b')).toBe(true);
    expect(isUuid('0B3F6A52-1C2D-4E5F-8A9B-0C1D2E3F4A5B')).toBe(true);
  });

  it('rejects what only looks like one, and what is not a string', () => {
    for (const bad of [
      '',
      '-'.repeat(36),
      '0b3f6a521c2d4e5f8a9b0c1d2e3f4a5b',
      '0b3f6a52-1c2d-4e5f-8a9b-0c1d2e3f4a5',
      ' 0b3f6a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      '0b3f6a52-1c2d-4e5f-8a9b-0c1d2e3f4a5g',
      "0b3f6a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b'; drop table clients; --",
      'x'.repeat(10_000),
    ])
      expect(isUuid(bad)).toBe(false);
    for (const value of [null, undefined, 42, {}]) expect(isUuid(value)).toBe(false);
  });

  it('composes into a router pattern that captures the id whole', () => {
    const route = new RegExp(`^/clients/(${UUID_PATTERN})/show$`);
    const id = '0b3f6a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    expect(route.exec(`/clients/${id}/show`)?.[1]).toBe(id);
    expect(route.test(`/clients/${'-'.repeat(36)}/show`)).toBe(false);
  });
});
