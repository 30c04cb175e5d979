import type { ActionContext, ActionRequest, ActionResponse } from 'adminjs';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import { mergeClients, mergedFields } from '../../../domain/clients/client-merge.js';
import type { Client, ClientService } from '../../../domain/clients/client-service.js';
import { formatBirthday } from '../../../domain/clients/normalise.js';
import { DomainError, InvalidInputError } from '../../../domain/errors.js';
import type { ClientMessages } from '../../../domain/messages/client-messages.js';
import { isUuid } from '../../../domain/shared/ids.js';
import { can, isPanelUser, type PanelUser } from '../access.js';
import { Components } from '../components/loader.js';
import { ADMIN_ROOT } from '../paths.js';
import type { ClientRecords } from '../records/client-records.js';
import { parseRequest } from '../request-schema.js';
import { showUrl } from './record-actions.js';

/** The JSON download of a client's data (a plain route: client-data-download.ts). */
export const clientDataPath = (id: string) => `${ADMIN_ROOT}/clients/${id}/export.json`;

const MAX_QUERY = 100;
// The search is cut to MAX_QUERY; far longer is no search at all.
const mergeQuery = z.object({
  q: z.string().max(1000).optional(),
  with: z.string().max(100).optional(),
});
const mergeBody = z.object({ with: z.string().max(100) });

const FIELDS = [
  'name',
  'phone',
  'birthday',
  'notes',
  'allergies',
  'preferences',
  'tags',
  'telegram',
];
function facts(c: Client): string[] {
  return [
    c.name ?? '',
    c.phone ?? '',
    c.birthday ? formatBirthday(c.birthday) : '',
    c.notes ?? '',
    c.allergies ?? '',
    c.preferences ?? '',
    c.tags.join(', '),
    c.telegramUserId === null ? '' : '✓',
  ];
}

const actorOf = (user: PanelUser): Actor => ({
  type: 'staff',
  id: user.id,
  ip: (user as { ip?: string }).ip ?? null,
});
type Reply = { code?: (status: number) => unknown };

/**
 * Merging a duplicate into this client (components/merge-clients): a GET with `q` finds
 * candidates (an audited list read), with `with` previews kept / duplicate / result side by
 * side; the POST merges through the domain (client-merge.ts) and comes back to the card.
 */
function mergeAction(deps: {
  db: Kysely<Database>;
  clients: ClientService;
  messages: ClientMessages;
  records: ClientRecords;
}) {
  return {
    actionType: 'record' as const,
    icon: 'GitMerge',
    component: Components.MergeClients,
    isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, 'Client', 'merge'),
    handler: async (
      request: ActionRequest,
      reply: unknown,
      context: ActionContext,
    ): Promise<ActionResponse> => {
      const user = context.currentAdmin;
      const record = context.record;
      if (!isPanelUser(user) || !record) throw new Error('no user or record');
      const keptId = String(record.id());
      const json = record.toJSON(user);
      const actor = actorOf(user);
      const refuse = (status: number, key: string) => {
        (reply as Reply).code?.(status);
        return {
          record: json,
          notice: { message: `MergeClients.${key}`, type: 'error' as const, resourceId: 'Client' },
        };
      };
      if (request.method === 'post') {
        const body = parseRequest(mergeBody, request.payload);
        try {
          const done = await mergeClients(deps, keptId, body.with, actor);
          const fresh = await context.resource.findOne(keptId, context);
          return {
            record: (fresh ?? record).toJSON(user),
            notice: {
              message: 'MergeClients.merged',
              type: 'success',
              resourceId: 'Client',
              options: { n: done.visits },
            },
            redirectUrl: showUrl(context, 'Client', keptId),
          };
        } catch (err) {
          if (err instanceof InvalidInputError)
            return refuse(400, err.code === 'same' ? 'same' : 'tooLong');
          if (err instanceof DomainError) return refuse(404, 'gone');
          throw err;
        }
      }
      const query = parseRequest(mergeQuery, request.query, 'query');
      const q = (query.q ?? '').trim().slice(0, MAX_QUERY);
      const out: ActionResponse = { record: json };
      if (q !== '') {
        const found = (await deps.records.find({ name: q }, { limit: 10, offset: 0 })).filter(
          (p) => p.id !== keptId,
        );
        await deps.clients.recordListRead(actor, {
          rows: found.length,
          filters: ['name'],
          offset: 0,
          limit: 10,
        });
        out.candidates = found.map((p) => ({
          id: String(p.id),
          name: String(p.name ?? ''),
          phone: String(p.phone ?? ''),
          birthday: String(p.birthday ?? ''),
        }));
      }
      const otherId = query.with;
      if (otherId) {
        const kept = await deps.clients.get(keptId, actor);
        const other = isUuid(otherId) ? await deps.clients.get(otherId, actor) : null;
        if (kept && other && !other.erasedAt && other.id !== kept.id) {
          const result = { ...kept, ...mergedFields(kept, other) } as Client;
          const [a, b, c] = [facts(kept), facts(other), facts(result)];
          out.preview = {
            with: other.id,
            rows: FIELDS.map((field, i) => ({
              field,
              kept: a[i] ?? '',
              other: b[i] ?? '',
              result: c[i] ?? '',
            })),
          };
        }
      }
      return out;
    },
  };
}

/** The client's data as JSON: the page explains and links to the download route. */
const clientDataAction = {
  actionType: 'record' as const,
  icon: 'Download',
  component: Components.ClientDataExport,
  isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, 'Client', 'exportData'),
  handler: async (_request: ActionRequest, _reply: unknown, context: ActionContext) => {
    const record = context.record;
    if (!record) throw new Error('no record');
    const json = record.toJSON(context.currentAdmin);
    return { record: { ...json, params: { ...json.params, download: clientDataPath(json.id) } } };
  },
};

/** Client actions with a page of their own: merging a duplicate and the data download. */
export function clientPageActions(deps: {
  db: Kysely<Database>;
  clients: ClientService;
  messages: ClientMessages;
  records: ClientRecords;
}) {
  return { merge: mergeAction(deps), exportData: clientDataAction };
}
