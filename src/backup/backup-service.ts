import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from '../db/schema.js';
import type { Actor } from '../domain/actor.js';
import { recordAudit } from '../domain/audit/audit-log.js';
import { type BackupFile, BackupFolder } from './backup-folder.js';
import type { BackupKeys } from './backup-keys.js';
import { type Manifest, writeBackup } from './create-backup.js';

/**
 * Backups as the running program makes them: the scheduled job and the panel's "back up now"
 * write into BACKUP_DIR, the panel lists and downloads; every one of these is audited (names,
 * sizes and counts only).
 */
export class BackupService {
  readonly folder: BackupFolder;
  /** One backup at a time per process: a second click waits for the first. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      pool: pg.Pool;
      keys: BackupKeys;
      dir: string;
      clock?: () => Date;
    },
  ) {
    this.folder = new BackupFolder(deps.dir);
  }

  list(): Promise<BackupFile[]> {
    return this.folder.list();
  }

  async backUpNow(actor: Actor): Promise<BackupFile & { manifest: Manifest }> {
    const run = this.running.then(async () => {
      const started = Date.now();
      const file = await this.folder.create(this.deps.clock?.() ?? new Date(), (output) =>
        writeBackup({ pool: this.deps.pool, keys: this.deps.keys, output }),
      );
      await recordAudit(this.deps.db, actor, {
        action: 'backup.create',
        entity: 'backup',
        entityId: file.name,
        details: {
          bytes: file.size,
          ms: Date.now() - started,
          tables: file.result.tables.length,
          rows: file.result.tables.reduce((sum, t) => sum + t.rows, 0),
        },
      });
      return { name: file.name, size: file.size, createdAt: file.createdAt, manifest: file.result };
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  async open(name: string, actor: Actor) {
    const archive = await this.folder.openArchive(name);
    await recordAudit(this.deps.db, actor, {
      action: 'backup.download',
      entity: 'backup',
      entityId: name,
      details: { bytes: archive.size },
    });
    return archive;
  }

  async prune(keep: number): Promise<string[]> {
    const removed = await this.folder.prune(keep);
    if (removed.length > 0) {
      await recordAudit(
        this.deps.db,
        { type: 'system', id: null },
        {
          action: 'backup.prune',
          entity: 'backup',
          entityId: null,
          details: { removed: removed.length, kept: keep },
        },
      );
    }
    return removed;
  }
}
