import type pg from 'pg';

/** Kysely's own bookkeeping: restored by running the migrations, never copied. */
export const MIGRATION_TABLES = ['kysely_migration', 'kysely_migration_lock'];

export interface TableShape {
  name: string;
  /** Stored columns in their order (generated columns are left to the server). */
  columns: string[];
}

export interface ForeignKey {
  constraint: string;
  table: string;
  references: string;
}

/** The public schema's tables and columns, as the database itself describes them. */
export async function readTables(client: pg.ClientBase): Promise<TableShape[]> {
  const { rows } = await client.query<{ table_name: string; columns: string[] }>(
    `SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.ordinal_position) AS columns
       FROM information_schema.columns c
       JOIN information_schema.tables t
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
        AND c.is_generated = 'NEVER' AND NOT (c.table_name = ANY($1))
      GROUP BY c.table_name
      ORDER BY c.table_name`,
    [MIGRATION_TABLES],
  );
  return rows.map((r) => ({ name: r.table_name, columns: r.columns }));
}

/** Every foreign key of the public schema: which table refers to which, by constraint name. */
export async function readForeignKeys(client: pg.ClientBase): Promise<ForeignKey[]> {
  const { rows } = await client.query<ForeignKey>(
    `SELECT rc.constraint_name AS "constraint", child.table_name AS "table",
            parent.table_name AS "references"
       FROM information_schema.referential_constraints rc
       JOIN information_schema.table_constraints child
         ON child.constraint_schema = rc.constraint_schema
        AND child.constraint_name = rc.constraint_name
       JOIN information_schema.table_constraints parent
         ON parent.constraint_schema = rc.unique_constraint_schema
        AND parent.constraint_name = rc.unique_constraint_name
      WHERE rc.constraint_schema = 'public'
      ORDER BY 2, 1`,
  );
  return rows;
}

/**
 * Tables ordered so that a table comes after the tables it refers to. A cycle (visits and
 * coupons refer to each other) cannot be ordered: the table with the fewest unmet references
 * goes next, and restore defers the checks of the references that then point forward.
 */
export function dependencyOrder(tables: readonly string[], keys: readonly ForeignKey[]): string[] {
  const pending = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const key of keys) {
    if (key.table !== key.references && pending.has(key.references))
      pending.get(key.table)?.add(key.references);
  }
  const order: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, deps]) => deps.size === 0).map(([t]) => t);
    const next =
      ready.length > 0
        ? ready
        : [
            [...pending].sort(
              ([a, da], [b, db]) => da.size - db.size || (a < b ? -1 : a > b ? 1 : 0),
            )[0]![0],
          ];
    for (const table of next.sort()) {
      order.push(table);
      pending.delete(table);
      for (const deps of pending.values()) deps.delete(table);
    }
  }
  return order;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Names of tables in the public schema that hold at least one row. */
export async function tablesWithRows(client: pg.ClientBase): Promise<string[]> {
  const tables = await readTables(client);
  const full: string[] = [];
  for (const t of tables) {
    const { rows } = await client.query(`SELECT 1 FROM ${quoteIdent(t.name)} LIMIT 1`);
    if (rows.length > 0) full.push(t.name);
  }
  return full;
}
