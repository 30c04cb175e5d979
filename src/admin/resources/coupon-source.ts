import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../../domain/actor.js';
import { InvalidInputError } from '../../domain/errors.js';
import type { LoyaltyService } from '../../domain/loyalty/loyalty-service.js';
import { salonTimeZone } from '../../domain/salon-zone.js';
import type { FieldSpec, Page, Params, RecordSource } from '../adapter/record-source.js';

export const COUPON_STATES = ['active', 'reserved', 'redeemed', 'expired', 'revoked'] as const;
export type CouponState = (typeof COUPON_STATES)[number];

const FIELDS: FieldSpec[] = [
  { path: 'id', type: 'uuid', isId: true },
  { path: 'code', type: 'string', isTitle: true, sortable: true },
  { path: 'client_id', type: 'reference', reference: 'Client', editable: true, required: true },
  {
    path: 'kind',
    type: 'string',
    sortable: true,
    availableValues: ['birthday', 'winback', 'manual'],
  },
  { path: 'percent', type: 'number', editable: true, required: true, sortable: true },
  { path: 'categories', type: 'string', editable: true },
  { path: 'valid_from', type: 'date', editable: true, sortable: true },
  { path: 'valid_until', type: 'date', editable: true, required: true, sortable: true },
  { path: 'state', type: 'string', availableValues: [...COUPON_STATES] },
  { path: 'created_at', type: 'datetime', sortable: true },
];

const SORTABLE = new Set(['code', 'kind', 'percent', 'valid_from', 'valid_until', 'created_at']);
const CODE = /^[A-Za-z0-9-]{1,20}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The state at `now`, in the order that decides it: revoked and redeemed are final. */
const stateSql = (now: Date) => sql<CouponState>`CASE
  WHEN revoked_at IS NOT NULL THEN 'revoked'
  WHEN redeemed_at IS NOT NULL THEN 'redeemed'
  WHEN reserved_for IS NOT NULL THEN 'reserved'
  WHEN valid_until <= ${now} THEN 'expired'
  ELSE 'active' END`;

const str = (p: Params, key: string) =>
  typeof p[key] === 'string' ? (p[key] as string).trim() : '';
/** AdminJS turns a date field into a Date at UTC midnight when it can; what it cannot stays text. */
const dayText = (p: Params, key: string) => {
  const v = p[key];
  if (v instanceof Date)
    return Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString().slice(0, 10);
  return str(p, key);
};

/**
 * Coupons: birthday, win-back and manual ones, with their state. New ones are manual coupons
 * issued through LoyaltyService (checked and audited); coupons are never edited, only revoked.
 * Dates in the form are days of the salon's time zone (its first branch's): from the start of
 * the first day to the end of the last.
 */
export class CouponSource implements RecordSource {
  readonly kind = 'clientele-source';
  readonly id = 'Coupon';
  readonly fields = FIELDS;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly loyalty: LoyaltyService,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private query(filters: Record<string, string>) {
    const now = this.clock();
    let q = this.db.selectFrom('coupons');
    const code = filters.code?.trim().toUpperCase();
    // A code is matched from its start; anything that cannot be part of a code matches nothing.
    if (code !== undefined && code !== '')
      q = CODE.test(code) ? q.where('code', 'like', `${code}%`) : q.where(sql<boolean>`FALSE`);
    if (filters.client_id) q = q.where(sql<boolean>`client_id::text = ${filters.client_id}`);
    if (filters.kind) q = q.where(sql<boolean>`kind = ${filters.kind}`);
    if (filters.state) q = q.where(sql<boolean>`${stateSql(now)} = ${filters.state}`);
    return q;
  }

  private select(q: ReturnType<CouponSource['query']>) {
    return q.select([
      'id',
      'code',
      'client_id',
      'kind',
      'percent',
      'categories',
      'valid_from',
      'valid_until',
      'created_at',
      stateSql(this.clock()).as('state'),
    ]);
  }

  private static params(r: {
    id: string;
    code: string;
    client_id: string | null;
    kind: string;
    percent: string;
    categories: string[];
    valid_from: Date;
    valid_until: Date;
    created_at: Date;
    state: CouponState;
  }): Params {
    return { ...r, percent: Number(r.percent), categories: r.categories.join(', ') };
  }

  async count(filters: Record<string, string>): Promise<number> {
    const row = await this.query(filters)
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async find(filters: Record<string, string>, page: Page): Promise<Params[]> {
    const column = page.sortBy && SORTABLE.has(page.sortBy) ? page.sortBy : 'created_at';
    const direction = page.sortBy && SORTABLE.has(page.sortBy) ? (page.direction ?? 'asc') : 'desc';
    const rows = await this.select(this.query(filters))
      .orderBy(sql.ref(column), direction)
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map(CouponSource.params);
  }

  async findOne(id: string): Promise<Params | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const row = await this.select(
      this.db.selectFrom('coupons').where('id', '=', id),
    ).executeTakeFirst();
    return row ? CouponSource.params(row) : null;
  }

  private zone(): Promise<string> {
    return salonTimeZone(this.db);
  }

  /** A day from the form ("2027-03-08", or an ISO time whose date is taken) in the zone. */
  private static day(value: string, field: string, zone: string): DateTime {
    const date = value.slice(0, 10);
    if (!DAY.test(date)) throw new InvalidInputError(field, value === '' ? 'required' : 'format');
    const day = DateTime.fromISO(date, { zone });
    if (!day.isValid) throw new InvalidInputError(field, 'format');
    return day;
  }

  async create(params: Params, actor: Actor): Promise<Params> {
    const clientId = str(params, 'client_id');
    if (clientId === '') throw new InvalidInputError('client_id', 'required');
    // AdminJS turns a number field into a number when it can; what it cannot stays text.
    const percentText =
      typeof params.percent === 'number' ? String(params.percent) : str(params, 'percent');
    if (percentText === '') throw new InvalidInputError('percent', 'required');
    const percent = Number(percentText.replace(',', '.'));
    if (!Number.isFinite(percent)) throw new InvalidInputError('percent', 'invalid');
    const zone = await this.zone();
    const now = this.clock();
    const fromText = dayText(params, 'valid_from');
    const from =
      fromText === ''
        ? DateTime.fromJSDate(now, { zone }).startOf('day')
        : CouponSource.day(fromText, 'valid_from', zone);
    const until = CouponSource.day(dayText(params, 'valid_until'), 'valid_until', zone).plus({
      days: 1,
    });
    const categoriesText = str(params, 'categories');
    if (categoriesText.length > 1000) throw new InvalidInputError('categories', 'too_long');
    try {
      const coupon = await this.loyalty.issueManualCoupon(
        {
          clientId,
          percent,
          validFrom: from.toJSDate(),
          validUntil: until.toJSDate(),
          categories: categoriesText.split(','),
        },
        actor,
        now,
      );
      return (await this.findOne(coupon.id)) ?? {};
    } catch (err) {
      if (err instanceof InvalidInputError) {
        const field =
          { clientId: 'client_id', validFrom: 'valid_from', validUntil: 'valid_until' }[
            err.field
          ] ?? err.field;
        throw new InvalidInputError(field, err.code);
      }
      throw err;
    }
  }
}
