import { describe, expect, it } from 'vitest';
import { parseAmount } from '../../src/bot/conversations/visit-amount.js';
import { visitIcs } from '../../src/domain/visits/ics.js';

describe('visit .ics', () => {
  const base = {
    uid: 'abc@clientele',
    start: new Date('2026-12-02T08:00:00Z'),
    end: new Date('2026-12-02T09:00:00Z'),
    stamp: new Date('2026-11-30T06:00:00.123Z'),
    summary: 'Стрижка — Ольга',
  };

  it('is a calendar with one event in UTC, CRLF lines and a reminder', () => {
    const ics = visitIcs({ ...base, location: 'Тверская, 1' });
    expect(ics.endsWith('\r\n')).toBe(true);
    const lines = ics.trimEnd().split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines.at(-1)).toBe('END:VCALENDAR');
    expect(lines).toContain('DTSTART:20261202T080000Z');
    expect(lines).toContain('DTEND:20261202T090000Z');
    expect(lines).toContain('DTSTAMP:20261130T060000Z');
    expect(lines).toContain('LOCATION:Тверская\\, 1');
    expect(lines).toContain('TRIGGER:-PT2H');
  });

  it('escapes hostile text and folds long lines without splitting a character', () => {
    const summary = `${'Ж'.repeat(100)};\\,\nEND:VEVENT`;
    const ics = visitIcs({ ...base, summary, description: 'x'.repeat(300) });
    const lines = ics.trimEnd().split('\r\n');
    // The injected END:VEVENT stays inside the escaped value, not a line of its own.
    expect(lines.filter((l) => l === 'END:VEVENT')).toHaveLength(1);
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).toContain(`SUMMARY:${'Ж'.repeat(100)}\\;\\\\\\,\\nEND:VEVENT`);
    expect(unfolded).not.toContain('\uFFFD');
  });
});

describe('amounts a master types', () => {
  it('reads the usual ways of writing money', () => {
    expect(parseAmount('1500')).toBe(1500);
    expect(parseAmount('1 500')).toBe(1500);
    expect(parseAmount('1\u00a0500,50 ₽')).toBe(1500.5);
    expect(parseAmount('0')).toBe(0);
    expect(parseAmount('99.9')).toBe(99.9);
  });

  it('refuses what is not an amount', () => {
    for (const bad of [
      '',
      ' ',
      'abc',
      '-5',
      '1e3',
      '1.999',
      '12345678',
      '1,5,0',
      'NaN',
      '0x10',
      '١٢٣',
    ])
      expect(parseAmount(bad), bad).toBeNull();
  });
});
