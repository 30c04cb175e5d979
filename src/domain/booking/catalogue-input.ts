import { IANAZone } from 'luxon';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { Db } from '../shared/transaction.js';

/** What the catalogue's editors accept: zod schemas, and their verdict as the domain's error. */

export const name = z.string().trim().min(1).max(200);
export const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
export const money = z.number().finite().min(0).max(10_000_000);
export const minutes = z
  .number()
  .int()
  .min(5)
  .max(24 * 60);

export const branchInput = z.object({
  name,
  timeZone: z.string().refine((v) => IANAZone.isValidZone(v)),
  phone: z.string().trim().max(40).nullable().optional(),
  address: z.string().trim().max(300).nullable().optional(),
});

export const serviceInput = z.object({
  name,
  category: z.string().trim().min(1).max(100),
  durationMin: minutes,
  bufferMin: z.number().int().min(0).max(240).default(0),
  price: money,
  branchId: z.string().uuid().nullable().optional(),
});

export const masterServiceInput = z.object({
  serviceId: z.string().uuid(),
  price: money.nullable().optional(),
  durationMin: minutes.nullable().optional(),
});

export const hoursInput = z
  .object({ weekday: z.number().int().min(1).max(7), start: hhmm, end: hhmm })
  .refine((h) => h.end > h.start, { path: ['end'], message: 'end-before-start' });

export const interval = z
  .object({ start: hhmm, end: hhmm })
  .refine((h) => h.end > h.start, { path: ['end'], message: 'end-before-start' });

export const exceptionInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('off'), day: z.iso.date() }),
  z.object({
    kind: z.literal('hours'),
    day: z.iso.date(),
    hours: z.array(interval).min(1).max(10),
  }),
]);

/** zod's verdict as the domain's error: the first field at fault and a short code. */
export function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'input';
  const code = issue?.message === 'end-before-start' ? 'end-before-start' : 'invalid';
  throw new InvalidInputError(field, code);
}

export function overlapping(hours: { weekday: number; start: string; end: string }[]): boolean {
  const sorted = [...hours].sort((a, b) => a.weekday - b.weekday || a.start.localeCompare(b.start));
  return sorted.some((h, i) => {
    const next = sorted[i + 1];
    return next !== undefined && next.weekday === h.weekday && next.start < h.end;
  });
}

/** Throws NotFoundError unless the referenced row exists. */
export async function mustExist(
  db: Db,
  table: 'branches' | 'masters' | 'staff_users',
  id: string,
): Promise<void> {
  const row = await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(table);
}
