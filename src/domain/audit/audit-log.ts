import { isIP } from 'node:net';
import type { Actor } from '../actor.js';
import type { Db } from '../shared/transaction.js';

export interface AuditEntry {
  action: string;
  entity: string;
  entityId: string | null;
  /** Field names, ids and counts only: never personal values. */
  details?: Record<string, unknown>;
}

/**
 * The address as stored: a valid IP, else `invalid` — a forwarded header can carry anything,
 * and the log is shown in the panel and read by people.
 */
export function auditIp(ip: string | null | undefined): string | null {
  if (ip === null || ip === undefined || ip === '') return null;
  return isIP(ip) ? ip : 'invalid';
}

export async function recordAudit(db: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor_type: actor.type,
      actor_id: actor.id,
      ip: auditIp(actor.ip),
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}

/** One page of a list or search that carries personal data, described without its values. */
export interface ListRead {
  rows: number;
  /** Names of the fields filtered on; never what was typed into them. */
  filters: string[];
  offset: number;
  limit: number;
}

/**
 * Lists and searches of personal data are audited like opening a card: who, when, how many
 * rows and which filter fields ('search' when filtered, 'list' when not).
 */
export async function recordListRead(
  db: Db,
  actor: Actor,
  entity: string,
  read: ListRead,
): Promise<void> {
  await recordAudit(db, actor, {
    action: read.filters.length > 0 ? 'search' : 'list',
    entity,
    entityId: null,
    details: {
      rows: read.rows,
      filters: [...read.filters].sort(),
      offset: read.offset,
      limit: read.limit,
    },
  });
}
