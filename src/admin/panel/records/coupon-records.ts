import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import { InvalidInputError } from '../../../domain/errors.js';
import type { LoyaltyService } from '../../../domain/loyalty/loyalty-service.js';
import { salonTimeZone } from '../../../domain/salon-zone.js';
import { isUuid } from '../../../domain/shared/ids.js';
import { COUPON, type COUPON_STATES } from '../resources/loyalty.js';
import { fieldSpecs } from '../resources/resource-definition.js';
import type { Page, Params, RecordStore } from './record-store.js';

export type CouponState = (typeof COUPON_STATES)[number];

const FIELDS = fieldSpecs(COUPON);

const SORTABLE = new Set(FIELDS.filter((f) => f.sortable).map((f) => f.path));
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
export class CouponRecords implements RecordStore {
  readonly kind = 'clientele-records';
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

  private select(q: ReturnType<CouponRecords['query']>) {
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
    return rows.map(CouponRecords.params);
  }

  async findOne(id: string): Promise<Params | null> {
    if (!isUuid(id)) return null;
    const row = await this.select(
      this.db.selectFrom('coupons').where('id', '=', id),
    ).executeTakeFirst();
    return row ? CouponRecords.params(row) : null;
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
        : CouponRecords.day(fromText, 'valid_from', zone);
    const until = CouponRecords.day(dayText(params, 'valid_until'), 'valid_until', zone).plus({
      days: 1,
    });
    const categoriesText = str(params, 'categories');
    if (categoriesText.length > 1000) throw new InvalidInputError('categories', 'too-long');
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
