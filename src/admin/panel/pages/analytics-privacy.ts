/**
 * Analysts see aggregates only (issue 12, point 9): a figure computed from fewer than five
 * people is shown to them as "<5", so a small cell cannot point at someone. Zero reveals no one
 * and stays a number.
 */
export const SMALL_CELL = 5;
export const SMALL_CELL_TEXT = '<5';
export type Masked = number | typeof SMALL_CELL_TEXT;

export function maskSmall(count: number): Masked {
  return count > 0 && count < SMALL_CELL ? SMALL_CELL_TEXT : count;
}
