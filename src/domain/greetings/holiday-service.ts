import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { Crypto } from '../../crypto/crypto.js';
import type { HolidaysTable } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { cleanText } from '../clients/normalise.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { isUuid } from '../shared/ids.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import { readAudience, storeAudience } from './audience-store.js';
import { type Audience, audienceSchema } from './greeting-service.js';
import { dayExists, type HolidayRule } from './holiday-dates.js';
import { defaultTemplate } from './templates.js';

export const MAX_HOLIDAY_NAME = 100;

export interface HolidayInput {
  name: string;
  kind: 'fixed' | 'nth-weekday';
  month: number;
  day?: number | null;
  weekday?: number | null;
  nth?: number | null;
  localHour?: number;
  audience?: Audience;
  active?: boolean;
}

export interface Holiday extends HolidayRule {
  id: string;
  name: string;
  localHour: number;
  audience: Audience;
  active: boolean;
}

const whole = (min: number, max: number) => z.number().int().min(min).max(max);

const holidaySchema = z
  .object({
    name: z.string().min(1, 'required').max(MAX_HOLIDAY_NAME),
    kind: z.enum(['fixed', 'nth-weekday']),
    month: whole(1, 12),
    day: whole(1, 31).nullable(),
    weekday: whole(1, 7).nullable(),
    nth: z.union([z.literal(-1), whole(1, 4)]).nullable(),
    localHour: whole(0, 23),
    audience: audienceSchema,
    active: z.boolean(),
  })
  .superRefine((h, ctx) => {
    // Each kind needs its own fields: a date, or a weekday and which one of the month.
    if (h.kind === 'fixed') {
      if (h.day === null) ctx.addIssue({ code: 'custom', path: ['day'], message: 'required' });
      else if (!dayExists(h.month, h.day))
        ctx.addIssue({ code: 'custom', path: ['day'], message: 'invalid' });
    } else {
      if (h.weekday === null)
        ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'required' });
      if (h.nth === null) ctx.addIssue({ code: 'custom', path: ['nth'], message: 'required' });
    }
  });

function check(input: z.input<typeof holidaySchema>) {
  const result = holidaySchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'input';
  const code = issue?.message === 'required' ? 'required' : 'invalid';
  throw new InvalidInputError(field, code);
}

function toHoliday(crypto: Crypto, row: Omit<Selectable<HolidaysTable>, 'created_at'>): Holiday {
  const audience = readAudience(crypto, row.id, row.audience);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    month: row.month,
    day: row.day,
    weekday: row.weekday,
    nth: row.nth,
    localHour: row.local_hour,
    // Unreadable: shown as "all" in a form, but the greeting job skips such a holiday.
    audience: audience ?? { kind: 'all' },
    active: row.active,
  };
}

/**
 * The salon's holidays for greetings: a fixed date or the n-th weekday of a month, the local
 * hour and who gets it. A new holiday gets default texts in both languages, so the greeting
 * job always finds one.
 */
export class HolidayService {
  constructor(
    private readonly db: Db,
    private readonly crypto: Crypto,
  ) {}

  /** The audience of a holiday row as stored (tags are kept encrypted: audience-store.ts). */
  audienceOf(holidayId: string, stored: unknown): Audience | null {
    return readAudience(this.crypto, holidayId, stored);
  }

  async get(id: string): Promise<Holiday | null> {
    if (!isUuid(id)) return null;
    const row = await this.db
      .selectFrom('holidays')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toHoliday(this.crypto, row) : null;
  }

  private normalise(input: HolidayInput) {
    const name = cleanText('name', String(input.name ?? ''), MAX_HOLIDAY_NAME);
    const fixed = input.kind === 'fixed';
    return check({
      name,
      kind: input.kind,
      month: input.month,
      // The other kind's fields are cleared, so a row never carries both shapes.
      day: fixed ? (input.day ?? null) : null,
      weekday: fixed ? null : (input.weekday ?? null),
      nth: fixed ? null : (input.nth ?? null),
      localHour: input.localHour ?? 10,
      audience: input.audience ?? { kind: 'all' },
      active: input.active ?? true,
    });
  }

  async create(input: HolidayInput, actor: Actor): Promise<string> {
    const v = this.normalise(input);
    // The id is chosen here: an audience by tags is encrypted bound to it.
    const id = randomUUID();
    return inTransaction(this.db, async (tx) => {
      const row = await tx
        .insertInto('holidays')
        .values({ id, ...this.columns(id, v) })
        .returning('id')
        .executeTakeFirstOrThrow();
      const key = `holiday:${row.id}`;
      await tx
        .insertInto('message_templates')
        .values([
          { key, locale: 'ru', body: defaultTemplate(key, 'ru') },
          { key, locale: 'en', body: defaultTemplate(key, 'en') },
        ])
        .onConflict((oc) => oc.columns(['key', 'locale']).doNothing())
        .execute();
      await recordAudit(tx, actor, { action: 'create', entity: 'holiday', entityId: row.id });
      return row.id;
    });
  }

  /** Changes some fields; the result is checked whole (a new kind needs its own fields). */
  async update(id: string, input: Partial<HolidayInput>, actor: Actor): Promise<void> {
    const current = await this.get(id);
    if (!current) throw new NotFoundError('holiday');
    const merged: HolidayInput = {
      name: input.name ?? current.name,
      kind: input.kind ?? current.kind,
      month: input.month ?? current.month,
      day: input.day !== undefined ? input.day : current.day,
      weekday: input.weekday !== undefined ? input.weekday : current.weekday,
      nth: input.nth !== undefined ? input.nth : current.nth,
      localHour: input.localHour ?? current.localHour,
      audience: input.audience ?? current.audience,
      active: input.active ?? current.active,
    };
    const columns = this.columns(id, this.normalise(merged));
    await inTransaction(this.db, async (tx) => {
      await tx.updateTable('holidays').set(columns).where('id', '=', id).execute();
      await recordAudit(tx, actor, {
        action: 'update',
        entity: 'holiday',
        entityId: id,
        details: {
          fields: Object.keys(input).filter((k) => input[k as keyof HolidayInput] !== undefined),
        },
      });
    });
  }

  /** A holiday's stored columns, its audience encrypted under its id. */
  private columns(id: string, v: ReturnType<HolidayService['normalise']>) {
    return {
      name: v.name,
      kind: v.kind,
      month: v.month,
      day: v.day,
      weekday: v.weekday,
      nth: v.nth,
      local_hour: v.localHour,
      audience: JSON.stringify(storeAudience(this.crypto, id, v.audience)),
      active: v.active,
    };
  }
}
