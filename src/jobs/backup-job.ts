import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { BackupService } from '../backup/backup-service.js';
import type { Database } from '../db/schema.js';
import { SYSTEM_ACTOR } from '../domain/actor.js';
import { salonTimeZone } from '../domain/salon-zone.js';
import type { JobDefinition } from './start-jobs.js';

/**
 * Hourly, but it works only in the salon's own BACKUP_HOUR (the salon's zone can change, so the
 * hour is checked at each run rather than fixed in the schedule): one archive, then the oldest
 * beyond BACKUP_KEEP go. The tick is claimed in the database, so of several processes one backs
 * up. A daylight-saving change can make that local hour happen twice or not at all once a year.
 */
export function backupJob(deps: {
  db: Kysely<Database>;
  backups: BackupService;
  hour: number;
  keep: number;
}): JobDefinition {
  return {
    name: 'backup',
    schedule: '0 * * * *',
    async run({ tick, logger }) {
      const zone = await salonTimeZone(deps.db);
      if (DateTime.fromJSDate(tick, { zone }).hour !== deps.hour) return;
      const file = await deps.backups.backUpNow(SYSTEM_ACTOR);
      const removed = await deps.backups.prune(deps.keep);
      logger.info(
        { file: file.name, bytes: file.size, removed: removed.length },
        'scheduled backup written',
      );
    },
  };
}
