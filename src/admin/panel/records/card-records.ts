import { type Kysely, sql } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { isUuid } from '../../../domain/shared/ids.js';
import { LOYALTY_CARD } from '../resources/loyalty.js';
import { fieldSpecs } from '../resources/resource-definition.js';
import type { Page, Params, RecordStore } from './record-store.js';

const FIELDS = fieldSpecs(LOYALTY_CARD);
const COLUMNS = ['number', 'client_id', 'issued_at', 'revoked_at'] as const;
const SORTABLE = new Set(FIELDS.filter((f) => f.sortable).map((f) => f.path));

/**
 * Loyalty cards, read-only (a card is issued or reissued from the client's card). Searched by
 * number, exactly or by its first digits, as read from a card at the desk.
 */
export class CardRecords implements RecordStore {
  readonly kind = 'clientele-records';
  readonly id = 'LoyaltyCard';
  readonly fields = FIELDS;

  constructor(private readonly db: Kysely<Database>) {}

  private query(filters: Record<string, string>) {
    let q = this.db.selectFrom('loyalty_cards');
    if (filters.number !== undefined && filters.number.trim() !== '') {
      const digits = filters.number.replace(/[\s-]/g, '');
      q = /^\d{1,10}$/.test(digits)
        ? q.where('number', 'like', `${digits}%`)
        : q.where(sql<boolean>`FALSE`);
    }
    if (filters.client_id !== undefined)
      q = isUuid(filters.client_id)
        ? q.where('client_id', '=', filters.client_id)
        : q.where(sql<boolean>`FALSE`);
    return q;
  }

  async count(filters: Record<string, string>): Promise<number> {
    const row = await this.query(filters)
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async find(filters: Record<string, string>, page: Page): Promise<Params[]> {
    const sortable = page.sortBy !== undefined && SORTABLE.has(page.sortBy);
    return this.query(filters)
      .select(COLUMNS)
      .orderBy(
        sql.ref(sortable ? (page.sortBy ?? 'issued_at') : 'issued_at'),
        sortable ? (page.direction ?? 'asc') : 'desc',
      )
      .orderBy('number')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
  }

  async findOne(id: string): Promise<Params | null> {
    if (!/^\d{10}$/.test(id)) return null;
    return (
      (await this.db
        .selectFrom('loyalty_cards')
        .select(COLUMNS)
        .where('number', '=', id)
        .executeTakeFirst()) ?? null
    );
  }
}
