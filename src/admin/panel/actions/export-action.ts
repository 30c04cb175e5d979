import type { ActionContext } from 'adminjs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import { recordAudit } from '../../../domain/audit/audit-log.js';
import type { ClientService } from '../../../domain/clients/client-service.js';
import { can, isPanelUser, type PanelResource, type PanelUser, visibleFields } from '../access.js';
import { Components } from '../components/loader.js';
import { ADMIN_ROOT } from '../paths.js';
import type { VisitRecords } from '../records/visit-records.js';
import { withSchemas } from '../request-schema.js';
import {
  CLIENT_COLUMNS,
  type Column,
  csvStream,
  VISIT_COLUMNS,
  xlsxStream,
} from './spreadsheet-stream.js';

/** The downloads: plain streaming routes, each behind the role table's `export` rule. */
export const EXPORT_PATH = `${ADMIN_ROOT}/export`;
const PAGE = 500;
const FORMATS = ['csv', 'xlsx'] as const;
type Format = (typeof FORMATS)[number];
/** A file name's ending; one that is not a format we write is a file that does not exist. */
const formatParam = z.object({ format: z.string().max(10) });
const isFormat = (f: string): f is Format => (FORMATS as readonly string[]).includes(f);

/** What each resource's export is called, for its file name and the audit entry. */
const LISTS = {
  Client: { name: 'clients', entity: 'client' },
  Visit: { name: 'visits', entity: 'visit' },
} as const;

/**
 * "Export" on the Clients and Visits lists (components/export-list): the page offers CSV and
 * XLSX of that list, with the columns the user's role may see.
 */
export function exportAction(resource: 'Client' | 'Visit') {
  return {
    actionType: 'resource' as const,
    icon: 'Download',
    component: Components.ExportList,
    isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, resource, 'export'),
    handler: async (_request: unknown, _reply: unknown, context: ActionContext) => ({
      downloads: FORMATS.map((format) => ({
        format,
        href: `${EXPORT_PATH}/${LISTS[resource].name}.${format}`,
      })),
      columns: (resource === 'Client'
        ? allowedColumns(context.currentAdmin, resource, CLIENT_COLUMNS)
        : allowedColumns(context.currentAdmin, resource, VISIT_COLUMNS)
      ).map((c) => c.field),
    }),
  };
}

function allowedColumns<T>(user: unknown, resource: PanelResource, columns: Column<T>[]) {
  const fields = visibleFields(user, resource);
  return columns.filter((c) => fields.has(c.field));
}

/**
 * Lists as CSV or XLSX, with only the columns the user's role may see, streamed page by page,
 * and audited when complete (rows and columns, never the data). Visits within the same scope
 * as the panel's visit list (a manager their branch, a master their own).
 */
export function registerExportDownloads(
  scope: FastifyInstance,
  deps: { db: Kysely<Database>; clients: ClientService; visits: VisitRecords },
): void {
  function send<T>(
    reply: FastifyReply,
    user: PanelUser,
    ip: string,
    list: { name: string; entity: string; columns: Column<T>[]; rows: AsyncIterable<T> },
    format: Format,
  ) {
    let count = 0;
    const actor: Actor = { type: 'staff', id: user.id, ip };
    const rows = list.rows;
    // The audit entry is written once the last row has gone out.
    async function* counted() {
      for await (const row of rows) {
        count++;
        yield row;
      }
      await recordAudit(deps.db, actor, {
        action: 'export',
        entity: list.entity,
        entityId: null,
        details: { rows: count, columns: list.columns.map((c) => c.field), format },
      });
    }
    const day = new Date().toISOString().slice(0, 10);
    reply
      .header('content-disposition', `attachment; filename="${list.name}-${day}.${format}"`)
      .header('cache-control', 'no-store');
    return format === 'csv'
      ? reply.type('text/csv; charset=utf-8').send(csvStream(list.columns, counted()))
      : reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .send(xlsxStream(list.columns, counted(), list.name));
  }

  const route = withSchemas(scope);
  route.get(
    `${EXPORT_PATH}/clients.:format`,
    { schema: { params: formatParam } },
    async (request, reply) => {
      const user = request.session.get('adminUser');
      if (!isPanelUser(user) || !can(user, 'Client', 'export'))
        return reply.code(403).send({ error: 'forbidden' });
      const format = request.params.format;
      if (!isFormat(format)) return reply.code(404).send({ error: 'format: csv or xlsx' });
      const clients = deps.clients;
      async function* rows() {
        for (let offset = 0; ; offset += PAGE) {
          const page = await clients.list({ limit: PAGE, offset });
          yield* page;
          if (page.length < PAGE) break;
        }
      }
      const columns = allowedColumns(user, 'Client', CLIENT_COLUMNS);
      return send(reply, user, request.ip, { ...LISTS.Client, columns, rows: rows() }, format);
    },
  );

  route.get(
    `${EXPORT_PATH}/visits.:format`,
    { schema: { params: formatParam } },
    async (request, reply) => {
      const user = request.session.get('adminUser');
      if (!isPanelUser(user) || !can(user, 'Visit', 'export'))
        return reply.code(403).send({ error: 'forbidden' });
      const format = request.params.format;
      if (!isFormat(format)) return reply.code(404).send({ error: 'format: csv or xlsx' });
      const actor: Actor = { type: 'staff', id: user.id, ip: request.ip };
      const store = deps.visits;
      const pageAt = (offset: number) =>
        store.find({}, { limit: PAGE, offset, direction: 'asc' }, actor);
      const first = await pageAt(0);
      async function* rows() {
        let page = first;
        for (let offset = 0; ; ) {
          yield* page;
          if (page.length < PAGE) break;
          offset += PAGE;
          page = await pageAt(offset);
        }
      }
      // The store leaves out what the role may not see here (a master's view of phones):
      // such a column is left out rather than exported empty.
      const present = (field: string) => first.length === 0 || field in (first[0] ?? {});
      const columns = allowedColumns(user, 'Visit', VISIT_COLUMNS).filter((c) => present(c.field));
      return send(reply, user, request.ip, { ...LISTS.Visit, columns, rows: rows() }, format);
    },
  );
}
