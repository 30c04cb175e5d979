import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { PanelResource } from '../access.js';
import type { FieldSpec, Page, Params, RecordSource } from '../adapter/record-source.js';

/**
 * A read-only view of a plain table (no personal data in it). Columns come from the field
 * list only, so identifiers in SQL are never taken from the request.
 */
export class TableSource implements RecordSource {
  readonly kind = 'clientele-source';

  constructor(
    private readonly db: Kysely<Database>,
    readonly id: PanelResource,
    private readonly table: keyof Database,
    readonly fields: readonly FieldSpec[],
    private readonly defaultSort: { column: string; direction: 'asc' | 'desc' },
  ) {}

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

export function auditLogSource(db: Kysely<Database>): TableSource {
  return new TableSource(
    db,
    'AuditEntry',
    'audit_log',
    [
      { path: 'id', type: 'number', isId: true },
      { path: 'at', type: 'datetime', sortable: true },
      { path: 'actor_type', type: 'string' },
      { path: 'actor_id', type: 'string' },
      { path: 'action', type: 'string', isTitle: true },
      { path: 'entity', type: 'string' },
      { path: 'entity_id', type: 'string' },
      { path: 'ip', type: 'string' },
      { path: 'details', type: 'mixed' },
    ],
    { column: 'at', direction: 'desc' },
  );
}

/** The outbox as operators need it: what is queued, sent or failing, without any content. */
export function outboxSource(db: Kysely<Database>): TableSource {
  return new TableSource(
    db,
    'OutboxMessage',
    'outbox',
    [
      { path: 'id', type: 'number', isId: true },
      { path: 'kind', type: 'string', isTitle: true, sortable: true },
      {
        path: 'status',
        type: 'string',
        sortable: true,
        availableValues: ['pending', 'sent', 'failed', 'dead'],
      },
      { path: 'attempts', type: 'number', sortable: true },
      { path: 'created_at', type: 'datetime', sortable: true },
      { path: 'not_before', type: 'datetime', sortable: true },
      { path: 'sent_at', type: 'datetime', sortable: true },
      { path: 'last_error', type: 'string' },
    ],
    { column: 'created_at', direction: 'desc' },
  );
}
