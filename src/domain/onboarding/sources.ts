import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface SourceOption {
  id: string;
  label: string;
}

/** Active acquisition sources as "Parent → Child" labels, leaves only, for a client to pick. */
export async function sourceOptions(db: Kysely<Database>): Promise<SourceOption[]> {
  const rows = await db
    .selectFrom('acquisition_sources')
    .select(['id', 'parent_id', 'name'])
    .where('active', '=', true)
    .orderBy('name')
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const parents = new Set(rows.map((r) => r.parent_id).filter((p): p is string => p !== null));
  const label = (id: string, seen = new Set<string>()): string => {
    const row = byId.get(id);
    if (!row || seen.has(id)) return '';
    seen.add(id);
    return row.parent_id && byId.has(row.parent_id)
      ? `${label(row.parent_id, seen)} → ${row.name}`
      : row.name;
  };
  return rows
    .filter((r) => !parents.has(r.id))
    .map((r) => ({ id: r.id, label: label(r.id) }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** The source node a `src_` link points at, if active. */
export async function sourceByLinkCode(db: Kysely<Database>, code: string): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(code)) return null;
  const row = await db
    .selectFrom('acquisition_sources')
    .select('id')
    .where('link_code', '=', code)
    .where('active', '=', true)
    .executeTakeFirst();
  return row?.id ?? null;
}
