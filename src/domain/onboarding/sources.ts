import { sql } from 'kysely';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { cleanText } from '../clients/normalise.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { isUuid } from '../shared/ids.js';
import { type Db, inTransaction, type Tx } from '../shared/transaction.js';

export const LINK_CODE = /^[A-Za-z0-9_-]{1,40}$/;
export const MAX_SOURCE_NAME = 100;
/** Levels of the tree: "Instagram → Stories → Spring promo" is three. */
export const MAX_SOURCE_DEPTH = 4;

export interface SourceOption {
  id: string;
  label: string;
}

/** Active acquisition sources as "Parent → Child" labels, leaves only, for a client to pick. */
export async function sourceOptions(db: Db): Promise<SourceOption[]> {
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
export async function sourceByLinkCode(db: Db, code: string): Promise<string | null> {
  if (!LINK_CODE.test(code)) return null;
  const row = await db
    .selectFrom('acquisition_sources')
    .select('id')
    .where('link_code', '=', code)
    .where('active', '=', true)
    .executeTakeFirst();
  return row?.id ?? null;
}

export interface SourceInput {
  name: string;
  parentId?: string | null;
  /** Empty or null: no link of its own. */
  linkCode?: string | null;
  active?: boolean;
}

function checkName(value: string): string {
  const name = cleanText('name', String(value ?? ''), MAX_SOURCE_NAME);
  if (name === '') throw new InvalidInputError('name', 'required');
  return name;
}

function checkLinkCode(value: string | null | undefined): string | null {
  const code = (value ?? '').trim();
  if (code === '') return null;
  if (!LINK_CODE.test(code)) throw new InvalidInputError('linkCode', 'format');
  return code;
}

/**
 * Where clients come from, as a tree (a channel and its campaigns), each node with an optional
 * deep-link code. Changes run under a table lock, so two edits at once cannot make a cycle.
 */
export class SourceService {
  constructor(private readonly db: Db) {}

  private async parents(tx: Tx): Promise<Map<string, string | null>> {
    const rows = await tx.selectFrom('acquisition_sources').select(['id', 'parent_id']).execute();
    return new Map(rows.map((r) => [r.id, r.parent_id]));
  }

  /** Refuses a parent that is missing, is the node or one of its descendants, or too deep. */
  private checkPlace(tree: Map<string, string | null>, id: string | null, parentId: string | null) {
    if (parentId === null) return;
    if (!isUuid(parentId) || !tree.has(parentId))
      throw new InvalidInputError('parentId', 'invalid');
    let depth = 1;
    for (let at: string | null = parentId; at !== null; at = tree.get(at) ?? null) {
      if (at === id) throw new InvalidInputError('parentId', 'cycle');
      if (++depth > MAX_SOURCE_DEPTH + 1) break;
    }
    // The node's own subtree moves with it.
    const height = id === null ? 1 : subtreeHeight(tree, id);
    if (depth - 1 + height > MAX_SOURCE_DEPTH) throw new InvalidInputError('parentId', 'too-deep');
  }

  private async codeFree(tx: Tx, code: string | null, id: string | null) {
    if (code === null) return;
    const other = await tx
      .selectFrom('acquisition_sources')
      .select('id')
      .where('link_code', '=', code)
      .executeTakeFirst();
    if (other && other.id !== id) throw new ConflictError('linkCode', 'taken');
  }

  async create(input: SourceInput, actor: Actor): Promise<string> {
    const name = checkName(input.name);
    const linkCode = checkLinkCode(input.linkCode);
    const parentId = input.parentId || null;
    return inTransaction(this.db, async (tx) => {
      await sql`LOCK TABLE acquisition_sources IN SHARE ROW EXCLUSIVE MODE`.execute(tx);
      this.checkPlace(await this.parents(tx), null, parentId);
      await this.codeFree(tx, linkCode, null);
      const row = await tx
        .insertInto('acquisition_sources')
        .values({
          name,
          parent_id: parentId,
          link_code: linkCode,
          ...(input.active !== undefined ? { active: input.active } : {}),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'create',
        entity: 'acquisition_source',
        entityId: row.id,
      });
      return row.id;
    });
  }

  async update(id: string, input: Partial<SourceInput>, actor: Actor): Promise<void> {
    if (!isUuid(id)) throw new NotFoundError('acquisition_source');
    const name = input.name !== undefined ? checkName(input.name) : undefined;
    const linkCode = input.linkCode !== undefined ? checkLinkCode(input.linkCode) : undefined;
    const parentId = input.parentId !== undefined ? input.parentId || null : undefined;
    await inTransaction(this.db, async (tx) => {
      await sql`LOCK TABLE acquisition_sources IN SHARE ROW EXCLUSIVE MODE`.execute(tx);
      const tree = await this.parents(tx);
      if (!tree.has(id)) throw new NotFoundError('acquisition_source');
      if (parentId !== undefined) this.checkPlace(tree, id, parentId);
      if (linkCode !== undefined) await this.codeFree(tx, linkCode, id);
      await tx
        .updateTable('acquisition_sources')
        .set({
          ...(name !== undefined ? { name } : {}),
          ...(parentId !== undefined ? { parent_id: parentId } : {}),
          ...(linkCode !== undefined ? { link_code: linkCode } : {}),
          ...(input.active !== undefined ? { active: input.active } : {}),
        })
        .where('id', '=', id)
        .execute();
      await recordAudit(tx, actor, {
        action: 'update',
        entity: 'acquisition_source',
        entityId: id,
      });
    });
  }
}

/** Levels from a node down to its deepest descendant, the node included. */
function subtreeHeight(
  tree: Map<string, string | null>,
  id: string,
  seen = new Set<string>(),
): number {
  seen.add(id);
  let height = 1;
  for (const [child, parent] of tree)
    if (parent === id && !seen.has(child))
      height = Math.max(height, 1 + subtreeHeight(tree, child, seen));
  return height;
}

/** How many clients came from each source (the node itself, not its children). */
export async function clientsPerSource(db: Db, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('clients')
    .select(['source_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('source_id', 'in', ids)
    .where('erased_at', 'is', null)
    .groupBy('source_id')
    .execute();
  return new Map(rows.map((r) => [r.source_id ?? '', Number(r.n)]));
}
