import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { recordAudit } from '../domain/audit/audit-log.js';
import type { Client, ClientService } from '../domain/clients/client-service.js';
import { can, isPanelUser, visibleFields } from './access.js';
import { ADMIN_ROOT } from './paths.js';

export const EXPORT_PATH = `${ADMIN_ROOT}/export/clients.csv`;
const PAGE = 500;

const COLUMNS: { field: string; header: string; value: (c: Client) => string }[] = [
  { field: 'name', header: 'Name', value: (c) => c.name ?? '' },
  { field: 'phone', header: 'Phone', value: (c) => c.phone ?? '' },
  {
    field: 'birthday',
    header: 'Birthday',
    value: (c) =>
      c.birthday
        ? `${String(c.birthday.day).padStart(2, '0')}.${String(c.birthday.month).padStart(2, '0')}${c.birthday.year ? `.${c.birthday.year}` : ''}`
        : '',
  },
  { field: 'tags', header: 'Tags', value: (c) => c.tags.join(', ') },
  { field: 'notes', header: 'Notes', value: (c) => c.notes ?? '' },
  { field: 'allergies', header: 'Allergies', value: (c) => c.allergies ?? '' },
  { field: 'locale', header: 'Language', value: (c) => c.locale },
  { field: 'createdAt', header: 'Created', value: (c) => c.createdAt.toISOString() },
];

/**
 * One CSV cell: quoted when needed, and a leading = + - @ (or tab, CR) is prefixed with an
 * apostrophe so a spreadsheet shows it as text instead of running it as a formula.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The client list as CSV (semicolons, UTF-8 with BOM, as spreadsheets in Russian locales
 * expect), only the columns the user's role may see, streamed page by page, and audited.
 */
export function registerExport(
  scope: FastifyInstance,
  deps: { db: Kysely<Database>; clients: ClientService },
): void {
  scope.get(EXPORT_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!isPanelUser(user) || !can(user, 'Client', 'list'))
      return reply.code(403).send({ error: 'forbidden' });
    const allowed = visibleFields(user, 'Client');
    const columns = COLUMNS.filter((c) => allowed.has(c.field));
    let rows = 0;
    const clients = deps.clients;
    async function* lines() {
      yield `\uFEFF${columns.map((c) => csvCell(c.header)).join(';')}\r\n`;
      for (let offset = 0; ; offset += PAGE) {
        const page = await clients.list({ limit: PAGE, offset });
        for (const client of page) {
          rows++;
          yield `${columns.map((c) => csvCell(c.value(client))).join(';')}\r\n`;
        }
        if (page.length < PAGE) break;
      }
      await recordAudit(
        deps.db,
        { type: 'staff', id: user?.id ?? null, ip: request.ip },
        {
          action: 'export',
          entity: 'client',
          entityId: null,
          details: { rows, columns: columns.map((c) => c.field) },
        },
      );
    }
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="clients-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(lines()));
  });
}
