import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Actor } from '../domain/actor.js';
import { recordAudit } from '../domain/audit/audit-log.js';
import type { Client, ClientService } from '../domain/clients/client-service.js';
import { formatBirthday } from '../domain/clients/normalise.js';
import { can, isPanelUser, type PanelResource, type PanelUser, visibleFields } from './access.js';
import type { Params } from './adapter/record-source.js';
import { esc, panelPage } from './page-shell.js';
import { ADMIN_ROOT } from './paths.js';
import type { VisitSource } from './resources/visit-source.js';

export const EXPORT_PATH = `${ADMIN_ROOT}/export`;
const PAGE = 500;
type Format = 'csv' | 'xlsx';

interface Column<T> {
  field: string;
  header: string;
  value: (row: T) => string | number | null;
}

const CLIENT_COLUMNS: Column<Client>[] = [
  { field: 'name', header: 'Name', value: (c) => c.name ?? '' },
  { field: 'phone', header: 'Phone', value: (c) => c.phone ?? '' },
  {
    field: 'birthday',
    header: 'Birthday',
    value: (c) => (c.birthday ? formatBirthday(c.birthday) : ''),
  },
  { field: 'tags', header: 'Tags', value: (c) => c.tags.join(', ') },
  { field: 'notes', header: 'Notes', value: (c) => c.notes ?? '' },
  { field: 'allergies', header: 'Allergies', value: (c) => c.allergies ?? '' },
  { field: 'locale', header: 'Language', value: (c) => c.locale },
  { field: 'createdAt', header: 'Created', value: (c) => c.createdAt.toISOString() },
];

const VISIT_COLUMNS: Column<Params>[] = [
  ['startsAt', 'When'],
  ['service', 'Service'],
  ['master', 'Master'],
  ['branch', 'Branch'],
  ['status', 'Status'],
  ['client', 'Client'],
  ['clientPhone', "Client's phone"],
  ['price', 'Price'],
  ['discountPct', 'Discount, %'],
  ['toPay', 'To pay'],
  ['amountPaid', 'Paid'],
].map(([field = '', header = '']) => ({
  field,
  header,
  value: (p: Params) => {
    const v = p[field];
    if (v instanceof Date) return v.toISOString();
    return typeof v === 'number' ? v : v === null || v === undefined ? '' : String(v);
  },
}));

/**
 * One CSV cell: quoted when needed, and a leading = + - @ (or tab, CR) is prefixed with an
 * apostrophe so a spreadsheet shows it as text instead of running it as a formula.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** CSV with semicolons and a BOM, as spreadsheets in Russian locales expect. */
async function* csvLines<T>(columns: Column<T>[], rows: AsyncIterable<T>) {
  yield `\uFEFF${columns.map((c) => csvCell(c.header)).join(';')}\r\n`;
  for await (const row of rows)
    yield `${columns.map((c) => csvCell(String(c.value(row) ?? ''))).join(';')}\r\n`;
}

/**
 * XLSX written row by row to the response (ExcelJS's streaming writer): a large base never sits
 * in memory. Text goes in as text cells, which a spreadsheet never runs as formulas.
 */
function xlsxStream<T>(columns: Column<T>[], rows: AsyncIterable<T>, sheet: string): PassThrough {
  const out = new PassThrough();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false });
  const ws = book.addWorksheet(sheet);
  ws.columns = columns.map((c) => ({ header: c.header, key: c.field, width: 20 }));
  (async () => {
    for await (const row of rows)
      ws.addRow(Object.fromEntries(columns.map((c) => [c.field, c.value(row) ?? '']))).commit();
    ws.commit();
    await book.commit();
  })().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

const TEXT = {
  ru: {
    title: 'Экспорт',
    lead: 'Списки для таблиц: только те столбцы, что видны вашей роли. Каждая выгрузка записывается в журнал.',
    clients: 'Клиенты',
    visits: 'Визиты',
    back: '← В панель',
  },
  en: {
    title: 'Export',
    lead: 'Lists for spreadsheets: only the columns your role may see. Every export is written to the audit log.',
    clients: 'Clients',
    visits: 'Visits',
    back: '← To the panel',
  },
};

/**
 * Lists as CSV or XLSX, with only the columns the user's role may see, streamed page by page,
 * and audited when complete (rows and columns, never the data). Clients: those who may list
 * clients; visits: within the same scope as the panel's visit list (a manager their branch, a
 * master their own).
 */
export function registerExport(
  scope: FastifyInstance,
  deps: { db: Kysely<Database>; clients: ClientService; visits: VisitSource },
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
    const filename = `${list.name}-${day}.${format}`;
    reply
      .header('content-disposition', `attachment; filename="${filename}"`)
      .header('cache-control', 'no-store');
    return format === 'csv'
      ? reply.type('text/csv; charset=utf-8').send(Readable.from(csvLines(list.columns, counted())))
      : reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .send(xlsxStream(list.columns, counted(), list.name));
  }

  const allowedColumns = <T>(user: PanelUser, resource: PanelResource, columns: Column<T>[]) => {
    const fields = visibleFields(user, resource);
    return columns.filter((c) => fields.has(c.field));
  };

  scope.get<{ Params: { format: string } }>(
    `${EXPORT_PATH}/clients.:format`,
    async (request, reply) => {
      const user = request.session.get('adminUser');
      if (!isPanelUser(user) || !can(user, 'Client', 'list'))
        return reply.code(403).send({ error: 'forbidden' });
      const format = request.params.format;
      if (format !== 'csv' && format !== 'xlsx')
        return reply.code(404).send({ error: 'no such format' });
      const clients = deps.clients;
      async function* rows() {
        for (let offset = 0; ; offset += PAGE) {
          const page = await clients.list({ limit: PAGE, offset });
          yield* page;
          if (page.length < PAGE) break;
        }
      }
      return send(
        reply,
        user,
        request.ip,
        {
          name: 'clients',
          entity: 'client',
          columns: allowedColumns(user, 'Client', CLIENT_COLUMNS),
          rows: rows(),
        },
        format,
      );
    },
  );

  scope.get<{ Params: { format: string } }>(
    `${EXPORT_PATH}/visits.:format`,
    async (request, reply) => {
      const user = request.session.get('adminUser');
      if (!isPanelUser(user) || !can(user, 'Visit', 'list'))
        return reply.code(403).send({ error: 'forbidden' });
      const format = request.params.format;
      if (format !== 'csv' && format !== 'xlsx')
        return reply.code(404).send({ error: 'no such format' });
      const actor: Actor = { type: 'staff', id: user.id, ip: request.ip };
      const source = deps.visits;
      const pageAt = (offset: number) =>
        source.find({}, { limit: PAGE, offset, direction: 'asc' }, actor);
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
      // The source leaves out what the role may not see here (a master's view of phones):
      // such a column is left out rather than exported empty.
      const present = (field: string) => first.length === 0 || field in (first[0] ?? {});
      return send(
        reply,
        user,
        request.ip,
        {
          name: 'visits',
          entity: 'visit',
          columns: allowedColumns(user, 'Visit', VISIT_COLUMNS).filter((c) => present(c.field)),
          rows: rows(),
        },
        format,
      );
    },
  );

  scope.get(EXPORT_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!canExport(user)) return reply.code(403).send({ error: 'forbidden' });
    const t = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const links = (name: 'clients' | 'visits', label: string) =>
      `<tr><th>${esc(label)}</th>${(['csv', 'xlsx'] as const)
        .map(
          (f) => `<td><a href="${EXPORT_PATH}/${name}.${f}" download>${f.toUpperCase()}</a></td>`,
        )
        .join('')}</tr>`;
    const body = `<p>${t.lead}</p><table id="exports">${
      can(user, 'Client', 'list') ? links('clients', t.clients) : ''
    }${can(user, 'Visit', 'list') ? links('visits', t.visits) : ''}</table>`;
    return reply.type('text/html').send(
      panelPage({
        title: t.title,
        lang: user.locale,
        body,
        back: { href: ADMIN_ROOT, label: t.back },
      }),
    );
  });
}

/** Who has anything to export: those who may list clients or visits. */
export function canExport(user: unknown): user is PanelUser {
  return isPanelUser(user) && (can(user, 'Client', 'list') || can(user, 'Visit', 'list'));
}
