import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupKeys } from '../../src/backup/backup-keys.js';
import { BackupService } from '../../src/backup/backup-service.js';
import { backupJob } from '../../src/jobs/backup-job.js';
import { type Jobs, startJobs } from '../../src/jobs/start-jobs.js';
import { createServices } from '../../src/runtime.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { seedSalon } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

describe('scheduled backup job', () => {
  let t: TestDatabase;
  let jobs: Jobs;
  let backups: BackupService;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clientele-backup-job-'));

  beforeAll(async () => {
    t = await createTestDatabase('bkjob');
    // The salon is in Yekaterinburg (UTC+5): its 03:00 is 22:00 UTC the day before.
    const s = createServices({ db: t.db, crypto: await testCrypto(), logger: silentLogger });
    await seedSalon(s, { zone: 'Asia/Yekaterinburg', masters: [] });
    backups = new BackupService({
      db: t.db,
      pool: t.handle.pool,
      keys: await BackupKeys.fromMasterKeys(new Uint8Array(randomBytes(32))),
      dir,
    });
    jobs = startJobs({
      db: t.db,
      logger: silentLogger,
      jobs: [backupJob({ db: t.db, backups, hour: 3, keep: 2 })],
    });
  });
  afterAll(async () => {
    await jobs.stop();
    await t.drop();
  });

  it("backs up in the salon's local hour only, once per tick, keeping the newest BACKUP_KEEP", async () => {
    expect(await jobs.runNow('backup', new Date('2026-12-01T21:00:00Z'))).toBe('ran');
    expect(await backups.list()).toEqual([]);

    for (const day of ['01', '02', '03']) {
      expect(await jobs.runNow('backup', new Date(`2026-12-${day}T22:00:00Z`))).toBe('ran');
    }
    // Another process (or a repeated tick) finds the run claimed and does nothing.
    expect(await jobs.runNow('backup', new Date('2026-12-03T22:00:00Z'))).toBe('skipped');
    const kept = await backups.list();
    expect(kept.length).toBe(2);
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'entity_id'])
      .where('entity', '=', 'backup')
      .orderBy('id')
      .execute();
    expect(audit.filter((a) => a.action === 'backup.create').length).toBe(3);
    expect(audit.filter((a) => a.action === 'backup.prune').length).toBe(1);
    expect(audit.every((a) => a.actor_type === 'system')).toBe(true);
    const created = audit.filter((a) => a.action === 'backup.create').map((a) => a.entity_id);
    expect(kept.map((f) => f.name)).toEqual(created.slice(1).reverse());
    const runs = await t.db
      .selectFrom('job_runs')
      .select(['status'])
      .where('job', '=', 'backup')
      .execute();
    expect(runs.every((r) => r.status === 'done')).toBe(true);
  });
});
