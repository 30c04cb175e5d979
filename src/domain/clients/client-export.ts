import { sql } from 'kysely';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { NotFoundError } from '../errors.js';
import type { ClientMessages } from '../messages/client-messages.js';
import type { Db } from '../shared/transaction.js';
import type { StaffScope } from '../staff/staff-scope.js';
import type { ClientService } from './client-service.js';
import { formatBirthday } from './normalise.js';

/**
 * Everything stored about one client, as a person would read it (C5, GDPR art. 15/20).
 * `visitsOf`: whose visits a staff member asking may list; the client themself, owners and
 * admins get all; a manager their branch's, with the others counted (docs/security.md).
 */
export async function exportClientData(
  deps: { db: Db; clients: ClientService; messages: ClientMessages },
  clientId: string,
  actor: Actor,
  visitsOf: StaffScope = { kind: 'all' },
): Promise<Record<string, unknown>> {
  const branchId =
    visitsOf.kind === 'all' ? undefined : visitsOf.kind === 'branch' ? visitsOf.branchId : null;
  const client = await deps.clients.get(clientId, actor);
  if (!client || client.erasedAt) throw new NotFoundError('client');
  const [consents, visits, referrals, cards] = await Promise.all([
    deps.db
      .selectFrom('client_consents')
      .select(['purpose', 'granted', 'document_version', 'channel', 'recorded_at'])
      .where('client_id', '=', clientId)
      .orderBy('recorded_at')
      .execute(),
    deps.db
      .selectFrom('appointments')
      .innerJoin('services', 'services.id', 'appointments.service_id')
      .innerJoin('masters', 'masters.id', 'appointments.master_id')
      .select([
        'appointments.starts_at',
        'appointments.status',
        'services.name as service',
        'masters.display_name as master',
        'appointments.price',
        'appointments.discount_pct',
        'appointments.amount_paid',
      ])
      .where('appointments.client_id', '=', clientId)
      .$if(branchId !== undefined, (q) =>
        branchId === null
          ? q.where(sql<boolean>`false`)
          : q.where('appointments.branch_id', '=', branchId ?? ''),
      )
      .orderBy('appointments.starts_at')
      .execute(),
    deps.db
      .selectFrom('referrals')
      .select(['status', 'created_at', 'qualified_at'])
      .where('referrer_id', '=', clientId)
      .execute(),
    deps.db
      .selectFrom('loyalty_cards')
      .select(['number', 'issued_at', 'revoked_at'])
      .where('client_id', '=', clientId)
      .execute(),
  ]);
  const elsewhere =
    branchId === undefined
      ? 0
      : Number(
          (
            await deps.db
              .selectFrom('appointments')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .where('client_id', '=', clientId)
              .$if(branchId !== null, (q) => q.where('branch_id', '<>', branchId ?? ''))
              .executeTakeFirstOrThrow()
          ).n,
        );
  const messages = await deps.messages.latest(1000, clientId);
  await recordAudit(deps.db, actor, { action: 'export', entity: 'client', entityId: clientId });
  return {
    exportedAt: deps.clients.now().toISOString(),
    client: {
      name: client.name,
      phone: client.phone,
      birthday: client.birthday ? formatBirthday(client.birthday) : null,
      notes: client.notes,
      allergies: client.allergies,
      preferences: client.preferences,
      tags: client.tags,
      language: client.locale,
      telegramUserId: client.telegramUserId,
      referralCode: client.referralCode,
      marketingOptIn: client.marketingOptIn,
      registeredAt: client.createdAt.toISOString(),
    },
    consents,
    visits,
    ...(branchId === undefined ? {} : { visitsInOtherBranches: elsewhere }),
    friendsReferred: referrals,
    loyaltyCards: cards,
    messagesToSalon: messages.map((m) => ({ text: m.body, at: m.createdAt.toISOString() })),
  };
}
