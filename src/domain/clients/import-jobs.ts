import type { Readable } from 'node:stream';
import type { Selectable } from 'kysely';
import type { ImportJobsTable } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { ConflictError } from '../errors.js';
import type { Db } from '../shared/transaction.js';
import {
  type ImportCounts,
  type ImportMapping,
  type ImportReport,
  importClients,
  type RowError,
} from './client-import.js';
import type { ClientService } from './client-service.js';

/**
 * Client imports as rows of `import_jobs`, so every web process shows the same progress and
 * report, and a restart loses nothing. The file is never stored: rows are read as the upload
 * streams in, and the report keeps line, field and error code only (never a cell's value).
 */
export interface ImportJob extends ImportReport {
  id: string;
  staffUserId: string;
  state: 'running' | 'done' | 'failed';
  /** Why a job failed: `interrupted` (its process stopped) or `internal`. */
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A running job touches its row at least this often… */
export const HEARTBEAT_MS = 10_000;
/** …so one untouched for this long lost its process (a restart, a crash) and is failed. */
export const STALE_AFTER_MS = 60_000;
/** Progress is written every this many rows (and by the heartbeat in between). */
const PROGRESS_EVERY = 50;

type Counts = ImportCounts;

/** Jobs whose process stopped mid-way: failed as `interrupted`, never "running" forever. */
export async function failStaleImportJobs(db: Db, now: Date): Promise<number> {
  const result = await db
    .updateTable('import_jobs')
    .set({ state: 'failed', error: 'interrupted', updated_at: now })
    .where('state', '=', 'running')
    .where('updated_at', '<', new Date(now.getTime() - STALE_AFTER_MS))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A staff member's job; others' jobs are not found. */
export async function getImportJob(
  db: Db,
  id: string,
  staffUserId: string,
  now: Date,
): Promise<ImportJob | null> {
  await failStaleImportJobs(db, now);
  const row = await db
    .selectFrom('import_jobs')
    .selectAll()
    .where('id', '=', id)
    .where('staff_user_id', '=', staffUserId)
    .executeTakeFirst();
  return row ? toJob(row) : null;
}

/** A staff member's latest jobs, newest first. */
export async function recentImportJobs(
  db: Db,
  staffUserId: string,
  now: Date,
  limit = 10,
): Promise<ImportJob[]> {
  await failStaleImportJobs(db, now);
  const rows = await db
    .selectFrom('import_jobs')
    .selectAll()
    .where('staff_user_id', '=', staffUserId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toJob);
}

function toJob(row: Selectable<ImportJobsTable>): ImportJob {
  const report = (row.report ?? {}) as { errors?: RowError[]; fatal?: RowError | null };
  return {
    id: row.id,
    staffUserId: row.staff_user_id,
    dryRun: row.dry_run,
    state: row.state,
    rows: row.rows,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    failed: row.failed,
    errors: report.errors ?? [],
    fatal: report.fatal ?? null,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Runs one import as a job: the row is made first (the id is the caller's, so a page can poll
 * it while its upload is still streaming), progress is written as rows go by, and the end
 * writes the report and the audit entry (counts only). An id already used is a ConflictError.
 */
export async function runImportJob(
  db: Db,
  source: Readable,
  options: {
    id: string;
    clients: ClientService;
    mapping: Partial<ImportMapping>;
    guess: (headers: string[]) => Partial<ImportMapping>;
    dryRun: boolean;
    actor: Actor & { id: string };
    now: () => Date;
  },
): Promise<ImportJob> {
  const { id, dryRun, actor, now } = options;
  const inserted = await db
    .insertInto('import_jobs')
    .values({ id, staff_user_id: actor.id, dry_run: dryRun, updated_at: now() })
    .onConflict((c) => c.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) throw new ConflictError('id', 'already taken');

  let written = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const save = (counts: Counts) => {
    // One write at a time, in order; a failed progress write only delays the next one.
    writing = writing
      .then(() =>
        db
          .updateTable('import_jobs')
          .set({ ...counts, updated_at: now() })
          .where('id', '=', id)
          .where('state', '=', 'running')
          .execute(),
      )
      .catch(() => undefined);
  };
  let latest: Counts = { rows: 0, created: 0, updated: 0, unchanged: 0, failed: 0 };
  const heartbeat = setInterval(() => save(latest), HEARTBEAT_MS);
  heartbeat.unref();
  try {
    const report = await importClients(source, {
      clients: options.clients,
      mapping: options.mapping as ImportMapping,
      guess: (headers) => ({ ...options.guess(headers), ...options.mapping }),
      dryRun,
      actor,
      onProgress: (counts) => {
        latest = counts;
        if (counts.rows - written >= PROGRESS_EVERY) {
          written = counts.rows;
          save(counts);
        }
      },
    });
    clearInterval(heartbeat);
    await writing;
    const { errors, fatal, dryRun: _, ...counts } = report;
    await db
      .updateTable('import_jobs')
      .set({
        ...counts,
        state: 'done',
        report: JSON.stringify({ errors, fatal }),
        updated_at: now(),
      })
      .where('id', '=', id)
      .execute();
    await recordAudit(db, actor, {
      action: dryRun ? 'import-check' : 'import',
      entity: 'client',
      entityId: null,
      details: { job: id, ...counts },
    });
  } catch (err) {
    clearInterval(heartbeat);
    await writing;
    await db
      .updateTable('import_jobs')
      .set({ ...latest, state: 'failed', error: 'internal', updated_at: now() })
      .where('id', '=', id)
      .execute();
    throw err;
  }
  const job = await getImportJob(db, id, actor.id, now());
  if (!job) throw new Error(`import job ${id} vanished`);
  return job;
}
