import type { Readable } from 'node:stream';
import type { ActionContext, ActionRequest } from 'adminjs';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../../db/schema.js';
import { guessMapping, IMPORT_FIELDS } from '../../../domain/clients/client-import.js';
import type { ClientService } from '../../../domain/clients/client-service.js';
import {
  getImportJob,
  type ImportJob,
  recentImportJobs,
  runImportJob,
} from '../../../domain/clients/import-jobs.js';
import { ConflictError } from '../../../domain/errors.js';
import { can, isPanelUser } from '../access.js';
import { Components } from '../components/loader.js';
import { ADMIN_ROOT } from '../paths.js';
import { parseRequest, withSchemas } from '../request-schema.js';

/** The upload: the file is the request body, read as a stream (never held whole, never stored). */
export const IMPORT_UPLOAD_PATH = `${ADMIN_ROOT}/import/run`;
const MAX_UPLOAD = 200 * 1024 * 1024;

const column = z.string().trim().max(100).optional();
const uploadQuery = z.object({
  id: z.uuid(),
  dry: z.enum(['0', '1']),
  phone: column,
  name: column,
  birthday: column,
  notes: column,
  allergies: column,
  tags: column,
});
const jobQuery = z.object({ job: z.uuid().optional() });

/** A job as the page and the API show it: counts, state, the report's errors; no cell values. */
function jobJson(job: ImportJob) {
  return {
    id: job.id,
    dryRun: job.dryRun,
    state: job.state,
    rows: job.rows,
    created: job.created,
    updated: job.updated,
    unchanged: job.unchanged,
    failed: job.failed,
    errors: job.errors,
    fatal: job.fatal,
    error: job.error,
    createdAt: job.createdAt.toISOString(),
  };
}

/**
 * CSV import on the Clients list (a resource action with its page, components/import-clients):
 * a GET returns the user's latest jobs, or one job (`?job=`) for its progress and report. Jobs
 * are rows, so the page may poll any web process.
 */
export function importAction(deps: { db: Kysely<Database>; now: () => Date }) {
  return {
    actionType: 'resource' as const,
    icon: 'Upload',
    component: Components.ImportClients,
    isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, 'Client', 'import'),
    handler: async (request: ActionRequest, reply: unknown, context: ActionContext) => {
      const user = context.currentAdmin;
      if (!isPanelUser(user)) throw new Error('no user');
      const query = parseRequest(jobQuery, request.query, 'query');
      if (query.job) {
        const job = await getImportJob(deps.db, query.job, user.id, deps.now());
        if (!job) {
          (reply as { code?: (n: number) => void }).code?.(404);
          return { error: 'job: not found' };
        }
        return { job: jobJson(job) };
      }
      return { jobs: (await recentImportJobs(deps.db, user.id, deps.now())).map(jobJson) };
    },
  };
}

/** The upload route: the role table's `import` on Client decides who; the body is text/csv. */
export function registerImportUpload(
  scope: FastifyInstance,
  deps: { db: Kysely<Database>; clients: ClientService; now: () => Date },
): void {
  scope.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));
  const route = withSchemas(scope);
  route.post(
    IMPORT_UPLOAD_PATH,
    { bodyLimit: MAX_UPLOAD, schema: { querystring: uploadQuery } },
    async (request, reply) => {
      const user = request.session.get('adminUser');
      if (!isPanelUser(user) || !can(user, 'Client', 'import'))
        return reply.code(403).send({ error: 'forbidden' });
      if (request.headers['content-type'] !== 'text/csv')
        return reply.code(400).send({ error: 'content-type: must be text/csv' });
      const query = request.query;
      const mapping = Object.fromEntries(
        IMPORT_FIELDS.flatMap((f) => {
          const value = (query as Record<string, string | undefined>)[f];
          return value ? [[f, value]] : [];
        }),
      );
      try {
        const job = await runImportJob(deps.db, request.body as Readable, {
          id: query.id,
          clients: deps.clients,
          mapping,
          // Fields not mapped on the page are taken from the header, by their usual names.
          guess: guessMapping,
          dryRun: query.dry === '1',
          actor: { type: 'staff', id: user.id, ip: request.ip },
          now: deps.now,
        });
        return jobJson(job);
      } catch (err) {
        if (err instanceof ConflictError)
          return reply.code(409).send({ error: 'id: already used' });
        throw err;
      }
    },
  );
}
