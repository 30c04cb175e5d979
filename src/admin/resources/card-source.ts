import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FieldSpec, Page, Params, RecordSource } from '../adapter/record-source.js';

const FIELDS: FieldSpec[] = [
  { path: 'number', type: 'string', isId: true, isTitle: true, sortable: true },
  { path: 'client_id', type: 'reference', reference: 'Client' },
  { path: 'issued_at', type: 'datetime', sortable: true },
  { path: 'revoked_at', type: 'datetime', sortable: true },
];
const SORTABLE = new Set(['number', 'issued_at', 'revoked_at']);
const UUID = /^[0-9a-f-]{36}$/i;

/**
 * Loyalty cards, read-only (a card is issued or reissued from the client's card). Searched by
 * number, exactly or by its first digits, as read from a card at the desk.
 */
export class CardSource implements RecordSource {
  readonly kind = 'clientele-source';
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
      q = UUID.test(filters.client_id)
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
      .select(['number', 'client_id', 'issued_at', 'revoked_at'])
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
        .select(['number', 'client_id', 'issued_at', 'revoked_at'])
        .where('number', '=', id)
        .executeTakeFirst()) ?? null
    );
  }
}
