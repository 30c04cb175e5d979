import { describe, expect, it } from 'vitest';
import { MAX_CALLBACK_BYTES } from '../../src/bot/callback-codec.js';
import {
  callbacks,
  decodeIntent,
  encodeIntent,
  intentKeyboard,
} from '../../src/bot/callback-data.js';
import type { ButtonIntent, IntentKind } from '../../src/domain/shared/intents.js';

const ID = '0b6f1c2e-9a4d-4f7e-8c3b-5d2a1e0f9c87';
const WIDEST_ID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
const codecs = Object.entries(callbacks);

/** One of each intent kind, with the widest values; the record makes a new kind fail to compile. */
const WIDEST_INTENTS: { [K in IntentKind]: Extract<ButtonIntent, { kind: K }> } = {
  'rate-visit': { kind: 'rate-visit', visitId: WIDEST_ID, score: 5 },
  'confirm-visit': { kind: 'confirm-visit', visitId: WIDEST_ID },
  'cancel-visit': { kind: 'cancel-visit', visitId: WIDEST_ID },
  'visit-done': { kind: 'visit-done', visitId: WIDEST_ID },
  'visit-no-show': { kind: 'visit-no-show', visitId: WIDEST_ID },
};

describe('callback data', () => {
  it.each(codecs)('%s fits in 64 bytes with its widest values and reads back', (_name, codec) => {
    const data = codec.widest();
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
    expect(codec.unpack(data)).toBeDefined();
  });

  it('no two codecs accept the same data, so a press has one meaning', () => {
    for (const [name, codec] of codecs) {
      const data = codec.widest();
      const readers = codecs.filter(([, other]) => other.unpack(data) !== undefined);
      expect(
        readers.map(([n]) => n),
        name,
      ).toEqual([name]);
    }
  });

  it("keeps the wire format earlier messages carry, so last month's buttons still work", () => {
    expect(callbacks.rateVisit.pack({ visitId: ID, score: 4 })).toBe(`rate:${ID}:4`);
    expect(callbacks.confirmVisit.pack({ visitId: ID })).toBe(`rv:ok:${ID}`);
    expect(callbacks.reminderCancel.pack({ visitId: ID })).toBe(`rv:cx:${ID}`);
    expect(callbacks.visitDone.pack({ visitId: ID })).toBe(`mv:done:${ID}`);
    expect(callbacks.visitNoShow.pack({ visitId: ID })).toBe(`mv:ns:${ID}`);
    expect(callbacks.moveVisit.pack({ visitId: ID })).toBe(`cv:mv:${ID}`);
    expect(callbacks.profileDelete.pack({ answer: 'yes' })).toBe('profile:delete:yes');
    expect(callbacks.language.pack({ locale: 'en' })).toBe('language:en');
    expect(callbacks.bookingDay.pack({ day: '2026-12-02' })).toBe('bk:d:2026-12-02');
    expect(callbacks.keepVisit.pack({})).toBe('cv:keep');
  });

  it.each(Object.values(WIDEST_INTENTS))(
    'intent $kind encodes within 64 bytes and decodes back',
    (intent) => {
      const data = encodeIntent(intent);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
      expect(decodeIntent(data)).toEqual(intent);
    },
  );

  it('decodes nothing from garbage, oversized, out-of-range or look-alike data', () => {
    const hostile = [
      '',
      'rate',
      `rate:${ID}`,
      `rate:${ID}:0`,
      `rate:${ID}:6`,
      `rate:${ID}:05`,
      `rate:${ID}:4:extra`,
      `rate:${ID.toUpperCase()}:4`,
      `rate:${ID.slice(0, 35)}:4`,
      `rate:${'-'.repeat(36)}:4`,
      `rv:ok:${ID}\n`,
      ` rv:ok:${ID}`,
      `mv:done:${ID}`.padEnd(65, 'x'),
      'x'.repeat(10_000),
      'mv:done:../../etc/passwd',
      'mv:ns:%00',
    ];
    for (const data of hostile) expect(decodeIntent(data), JSON.stringify(data)).toBeUndefined();
    expect(callbacks.bookingDay.unpack('bk:d:2026-02-31')).toBeUndefined();
    expect(callbacks.bookingDay.unpack('bk:d:2026-13-01')).toBeUndefined();
    expect(callbacks.bookingTime.unpack('bk:t:abc')).toBeUndefined();
    expect(callbacks.bookingTime.unpack('bk:t:123456789')).toBeUndefined();
    expect(callbacks.bookingBranch.unpack('bk:b:-1')).toBeUndefined();
    expect(callbacks.language.unpack('language:de')).toBeUndefined();
    expect(callbacks.registrationSource.unpack('reg:src:30')).toBeUndefined();
  });

  it('refuses to pack a value its field cannot hold (a programming error, not user input)', () => {
    expect(() => callbacks.rateVisit.pack({ visitId: 'not-a-uuid', score: 3 })).toThrow();
    expect(() => callbacks.rateVisit.pack({ visitId: ID, score: 7 })).toThrow();
    expect(() => callbacks.bookingDay.pack({ day: '2026-1-1' })).toThrow();
  });

  it('builds keyboards from intents and from buttons queued before intents, as they were', () => {
    const keyboard = intentKeyboard([
      [
        { text: '★', intent: { kind: 'rate-visit', visitId: ID, score: 1 } },
        { text: 'old', data: `rv:ok:${ID}` },
      ],
    ]);
    expect(keyboard.inline_keyboard).toEqual([
      [
        { text: '★', callback_data: `rate:${ID}:1` },
        { text: 'old', callback_data: `rv:ok:${ID}` },
      ],
    ]);
  });
});
