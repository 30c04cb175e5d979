import type { Transaction } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { Translate } from '../messages/translate.js';
import { enqueueMessage } from '../outbox/outbox.js';
import { formatWhen } from './format-when.js';
import type { VisitView } from './visit-view.js';

export type MasterNotice = 'new' | 'moved' | 'cancelled';

/**
 * Tells the visit's master, if their Telegram is linked, in the caller's transaction: the notice
 * exists exactly when the change does. `seq` tells apart repeated changes of one visit.
 */
export async function noticeToMaster(
  tx: Transaction<Database>,
  crypto: Crypto,
  translate: Translate,
  visit: VisitView,
  kind: MasterNotice,
  extra: { from?: Date } = {},
): Promise<void> {
  if (!visit.masterStaffUserId) return;
  const master = await tx
    .selectFrom('staff_users')
    .select(['telegram_user_id', 'locale'])
    .where('id', '=', visit.masterStaffUserId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (!master?.telegram_user_id) return;
  const when = formatWhen(visit.startsAt, visit.timeZone, master.locale);
  const from = extra.from ? formatWhen(extra.from, visit.timeZone, master.locale) : '';
  await enqueueMessage(tx, crypto, {
    dedupeKey: `visit-${kind}:${visit.id}:${visit.movedCount}`,
    chatId: Number(master.telegram_user_id),
    clientId: null,
    kind: `visit-${kind}`,
    message: {
      text: translate(master.locale, `master-visit-${kind}`, {
        when,
        from,
        service: visit.service,
      }),
    },
  });
}

/** Staff of the branch who hear about low ratings: owners, admins and its managers. */
export async function branchManagers(tx: Transaction<Database>, branchId: string) {
  return tx
    .selectFrom('staff_users')
    .select(['id', 'telegram_user_id', 'locale'])
    .where('active', '=', true)
    .where('telegram_user_id', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('role', 'in', ['owner', 'admin']),
        eb.and([
          eb('role', '=', 'manager'),
          eb.or([eb('branch_id', 'is', null), eb('branch_id', '=', branchId)]),
        ]),
      ]),
    )
    .execute();
}
