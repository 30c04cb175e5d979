import { type Kysely, sql } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { PanelResource } from '../access.js';
import { AUDIT_ENTRY, OUTBOX_MESSAGE } from '../resources/operations.js';
import { fieldSpecs, type ResourceDefinition } from '../resources/resource-definition.js';
import type { FieldSpec, Page, Params, RecordStore } from './record-store.js';

/**
 * A read-only view of a plain table (no personal data in it). Columns come from the
 * resource's field list only, so identifiers in SQL are never taken from the request.
 */
export class TableRecords implements RecordStore {
  readonly kind = 'clientele-records';
  readonly id: PanelResource;
  readonly fields: readonly FieldSpec[];

  constructor(
    private readonly db: Kysely<Database>,
    definition: ResourceDefinition,
    private readonly table: keyof Database,
    private readonly defaultSort: { column: string; direction: 'asc' | 'desc' },
  ) {
    this.id = definition.id;
    this.fields = fieldSpecs(definition);
  }

  private where(filters: Record<string, string>) {
    const known = Object.entries(filters).filter(([path]) =>
      this.fields.some(
        (f) => f.path === path && !f.computed && (f.type === 'string' || f.type === 'uuid'),
      ),
    );
    if (known.length === 0) return sql`TRUE`;
    // Text matches anywhere, case-insensitively (the reference pickers search this way);
    // ids match exactly. LIKE's wildcards in the value are taken literally.
    return sql.join(
      known.map(([path, value]) =>
        this.fields.find((f) => f.path === path)?.type === 'uuid'
          ? sql`${sql.ref(path)}::text = ${value}`
          : sql`${sql.ref(path)}::text ILIKE ${`%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`,
      ),
      sql` AND `,
    );
  }

  async count(filters: Record<string, string>): Promise<number> {
    const { rows } = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM ${sql.table(this.table)} WHERE ${this.where(filters)}`.execute(
      this.db,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async find(filters: Record<string, string>, page: Page): Promise<Params[]> {
    const sortable = this.fields.find((f) => f.path === page.sortBy && f.sortable && !f.computed);
    const column = sortable?.path ?? this.defaultSort.column;
    const direction =
      (sortable ? page.direction : this.defaultSort.direction) === 'asc' ? sql`ASC` : sql`DESC`;
    const { rows } =
      await sql<Params>`SELECT * FROM ${sql.table(this.table)} WHERE ${this.where(filters)}
      ORDER BY ${sql.ref(column)} ${direction} LIMIT ${page.limit} OFFSET ${page.offset}`.execute(
        this.db,
      );
    return this.decorate(rows);
  }

  /** Adds the computed fields to rows read from the table; a subclass's hook. */
  protected async decorate(rows: Params[]): Promise<Params[]> {
    return rows;
  }

  async findOne(id: string): Promise<Params | null> {
    const idField = this.fields.find((f) => f.isId)?.path ?? 'id';
    const { rows } =
      await sql<Params>`SELECT * FROM ${sql.table(this.table)} WHERE ${sql.ref(idField)}::text = ${id}`.execute(
        this.db,
      );
    return rows[0] ? ((await this.decorate([rows[0]]))[0] ?? null) : null;
  }
}

export function auditLogRecords(db: Kysely<Database>): TableRecords {
  return new TableRecords(db, AUDIT_ENTRY, 'audit_log', { column: 'at', direction: 'desc' });
}

/** The outbox as operators need it: what is queued, sent or failing, without any content. */
export function outboxRecords(db: Kysely<Database>): TableRecords {
  return new TableRecords(db, OUTBOX_MESSAGE, 'outbox', {
    column: 'created_at',
    direction: 'desc',
  });
}
