import { type RawBuilder, sql } from 'kysely';

/**
 * Pieces every analytics query shares. Sandbox personas' clients (`clients.sandbox`) are test
 * data and count nowhere; a visit whose client was erased (client_id null) still counts as a
 * visit and as revenue, never as a client.
 */
export const realClient = (clientId: RawBuilder<unknown>) =>
  sql`NOT EXISTS (SELECT 1 FROM clients sc WHERE sc.id = ${clientId} AND sc.sandbox)`;

/** Rows of the chosen branch (a visit's branch, a client's home branch), or all when none is. */
export const ofBranch = (column: RawBuilder<unknown>, branchId: string | null) =>
  branchId === null ? sql`true` : sql`${column} = ${branchId}::uuid`;
