import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import { exportClientData } from '../../../domain/clients/client-export.js';
import type { ClientService } from '../../../domain/clients/client-service.js';
import { DomainError } from '../../../domain/errors.js';
import type { ClientMessages } from '../../../domain/messages/client-messages.js';
import { isUuid } from '../../../domain/shared/ids.js';
import { staffScope } from '../../../domain/staff/staff-scope.js';
import { can, isPanelUser } from '../access.js';
import { withSchemas } from '../request-schema.js';
import { clientDataPath } from './client-actions.js';

const params = z.object({ id: z.string().max(100) });

/**
 * A client's data as a JSON file (a subject access request), the download behind the
 * `exportData` record action: the role table's rule for that action decides who; audited.
 */
export function registerClientDataDownload(
  scope: FastifyInstance,
  deps: { db: Kysely<Database>; clients: ClientService; messages: ClientMessages },
): void {
  withSchemas(scope).get(clientDataPath(':id'), { schema: { params } }, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!isPanelUser(user) || !can(user, 'Client', 'exportData'))
      return reply.code(403).send({ error: 'forbidden' });
    const id = request.params.id;
    // An id that is not one is a client that does not exist.
    if (!isUuid(id)) return reply.code(404).send({ error: 'not found' });
    try {
      const actor: Actor = { type: 'staff', id: user.id, ip: request.ip };
      const data = await exportClientData(deps, id, actor, await staffScope(deps.db, actor));
      return reply
        .header('content-disposition', `attachment; filename="client-${id}.json"`)
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(data, null, 2));
    } catch (err) {
      if (err instanceof DomainError) return reply.code(404).send({ error: 'not found' });
      throw err;
    }
  });
}
