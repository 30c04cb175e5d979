import { describe, expect, it } from 'vitest';
import {
  isValidCardNumber,
  luhnCheckDigit,
  newCardNumber,
} from '../../src/domain/loyalty/card-number.js';

describe('card numbers', () => {
  it('carry a Luhn check digit that catches a mistyped digit or swapped neighbours', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3); // the classic Luhn example: 79927398713
    for (let i = 0; i < 200; i++) {
      const n = newCardNumber();
      expect(n).toMatch(/^[1-9]\d{9}$/);
      expect(isValidCardNumber(n)).toBe(true);
      const typo = `${n.slice(0, 4)}${(Number(n[4]) + 1) % 10}${n.slice(5)}`;
      expect(isValidCardNumber(typo)).toBe(false);
      // Luhn catches every swap of neighbours except 09 <-> 90.
      const pair = `${n[2]}${n[3]}`;
      if (n[2] !== n[3] && pair !== '09' && pair !== '90')
        expect(isValidCardNumber(`${n.slice(0, 2)}${n[3]}${n[2]}${n.slice(4)}`)).toBe(false);
    }
    for (const bad of ['', '123', '0123456789', 'abcdefghij', '12345678901', ' 1234567890']) {
      expect(isValidCardNumber(bad)).toBe(false);
    }
  });
});
