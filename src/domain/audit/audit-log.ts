import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../actor.js';

export interface AuditEntry {
  action: string;
  entity: string;
  entityId: string | null;
  /** Field names, ids and counts only: never personal values. */
  details?: Record<string, unknown>;
}

export async function recordAudit(
  db: Kysely<Database> | Transaction<Database>,
  actor: Actor,
  entry: AuditEntry,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor_type: actor.type,
      actor_id: actor.id,
      ip: actor.ip ?? null,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
