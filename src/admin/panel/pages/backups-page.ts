import type { AdminPage } from 'adminjs';
import type { FastifyInstance } from 'fastify';
import { BackupNameError } from '../../../backup/backup-folder.js';
import type { BackupService } from '../../../backup/backup-service.js';
import type { Actor } from '../../../domain/actor.js';
import type { Logger } from '../../../logger.js';
import { canOpenPage, isPanelUser } from '../access.js';
import { Components } from '../components/loader.js';
import { ADMIN_ROOT } from '../paths.js';

export const BACKUPS_PAGE = 'backups';
const DOWNLOAD_PATH = `${ADMIN_ROOT}/backups`;

function forbidden(): Error {
  return Object.assign(new Error('forbidden'), { statusCode: 403 });
}

function actorOf(user: unknown): Actor {
  const u = user as { id: string; ip?: string };
  return { type: 'staff', id: u.id, ip: u.ip ?? null };
}

/**
 * The owners' backups page: GET lists the archives, POST makes one now (a state change, so
 * POST only, under the panel's same-origin rule). The role is checked here as well as on the
 * path, so the handler is safe wherever it is mounted.
 */
export function backupsPage(backups: BackupService, logger: Logger): AdminPage {
  return {
    component: Components.Backups,
    icon: 'Archive',
    handler: async (request, _response, context) => {
      const user = context.currentAdmin;
      if (!canOpenPage(user, BACKUPS_PAGE)) throw forbidden();
      let created: string | undefined;
      if (String(request.method).toLowerCase() === 'post') {
        try {
          created = (await backups.backUpNow(actorOf(user))).name;
        } catch (err) {
          logger.error(
            { error: err instanceof Error ? err.message : String(err) },
            'backup from the panel failed',
          );
          throw err;
        }
      }
      const files = await backups.list();
      return {
        backups: files.map((f) => ({
          name: f.name,
          size: f.size,
          createdAt: f.createdAt.toISOString(),
          href: `${DOWNLOAD_PATH}/${f.name}`,
        })),
        ...(created ? { created } : {}),
      };
    },
  };
}

/** Downloads stream the archive file as it is (already encrypted); each one is audited. */
export function registerBackupDownload(scope: FastifyInstance, backups: BackupService): void {
  scope.get<{ Params: { name: string } }>(`${DOWNLOAD_PATH}/:name`, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!isPanelUser(user) || !canOpenPage(user, BACKUPS_PAGE))
      return reply.code(403).send({ error: 'forbidden' });
    try {
      const { stream, size } = await backups.open(request.params.name, actorOf(user));
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', size)
        .header('content-disposition', `attachment; filename="${request.params.name}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    } catch (err) {
      if (err instanceof BackupNameError) return reply.code(404).send({ error: 'no such backup' });
      throw err;
    }
  });
}
