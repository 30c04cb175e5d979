import type { MaskedCell } from './types.js';

/** Below this many clients a figure could point at a person, so analysts see "<5" instead. */
export const MIN_CLIENTS_PER_CELL = 5;

/**
 * A figure as an analyst may see it: kept when at least 5 distinct clients stand behind it,
 * otherwise "<5". A cell made by no client at all (0) says nothing about anyone and stays 0.
 */
export function maskSmallCell(value: number, clients: number): MaskedCell {
  if (!Number.isFinite(clients) || clients < 0) return '<5';
  if (clients === 0) return value === 0 ? 0 : '<5';
  return clients < MIN_CLIENTS_PER_CELL ? '<5' : value;
}

/**
 * Masks every numeric field of each row by the row's client count (`clientsOf`), for tables
 * whose rows carry it; the count itself is masked too. Non-numeric fields (labels, months) pass.
 */
export function maskRows<T extends object>(
  rows: readonly T[],
  clientsOf: (row: T) => number,
): { [K in keyof T]: T[K] extends number ? MaskedCell : T[K] }[] {
  return rows.map((row) => {
    const clients = clientsOf(row);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      out[k] = typeof v === 'number' ? maskSmallCell(v, clients) : v;
    }
    return out as { [K in keyof T]: T[K] extends number ? MaskedCell : T[K] };
  });
}
