import { randomInt } from 'node:crypto';

/** Luhn check digit of a digit string, so a mistyped or misread number is caught at once. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidCardNumber(number: string): boolean {
  return /^[1-9]\d{9}$/.test(number) && luhnCheckDigit(number.slice(0, 9)) === Number(number[9]);
}

/** Nine random digits (the first not zero) and a check digit. */
export function newCardNumber(): string {
  const body = String(randomInt(100_000_000, 1_000_000_000));
  return `${body}${luhnCheckDigit(body)}`;
}
