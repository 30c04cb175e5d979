import { sql } from 'kysely';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { currentConsents } from '../onboarding/consents.js';
import { isUuid } from '../shared/ids.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import type { Client, ClientInput, ClientService } from './client-service.js';

const MAX_TAGS = 30;

/** Two texts kept both when they differ (notes, allergies: losing either could hurt someone). */
function joined(kept: string | null, other: string | null): string | null {
  if (!other?.trim()) return kept;
  if (!kept?.trim() || kept.includes(other)) return kept?.trim() ? kept : other;
  return `${kept}\n${other}`;
}

/**
 * What the kept card looks like after the merge: its own values win; what it lacks comes from
 * the other card; notes, allergies and preferences keep both texts; tags are joined.
 */
export function mergedFields(kept: Client, other: Client): ClientInput {
  const patch: ClientInput = {};
  if (!kept.phone && other.phone) patch.phone = other.phone;
  if (!kept.birthday && other.birthday) patch.birthday = other.birthday;
  if (!kept.name && other.name) patch.name = other.name;
  for (const field of ['notes', 'allergies', 'preferences'] as const) {
    const value = joined(kept[field], other[field]);
    if (value !== kept[field]) patch[field] = value;
  }
  const tags = [...new Set([...kept.tags, ...other.tags])];
  if (tags.length !== kept.tags.length) patch.tags = tags.slice(0, MAX_TAGS);
  if (kept.telegramUserId === null && other.telegramUserId !== null)
    patch.telegramUserId = other.telegramUserId;
  if (!kept.sourceId && other.sourceId) patch.sourceId = other.sourceId;
  if (!kept.homeBranchId && other.homeBranchId) patch.homeBranchId = other.homeBranchId;
  if (!kept.referrerId && other.referrerId && other.referrerId !== kept.id)
    patch.referrerId = other.referrerId;
  return patch;
}

export interface MergeResult {
  visits: number;
  fields: string[];
}

/**
 * Merges a duplicate client card into the one kept, in one transaction: the duplicate's visits,
 * consents (the latest decision per purpose wins), messages, coupons, points, feedback,
 * referrals and queued messages move to the kept card, its missing details are filled in, its
 * cards are revoked, and the duplicate is erased. Audited on both cards, without the data.
 */
export async function mergeClients(
  deps: { db: Db; clients: ClientService },
  keptId: string,
  otherId: string,
  actor: Actor,
): Promise<MergeResult> {
  if (!isUuid(keptId) || !isUuid(otherId)) throw new NotFoundError('client');
  if (keptId === otherId) throw new InvalidInputError('other', 'same');
  const [kept, other] = await Promise.all([
    deps.clients.findById(keptId),
    deps.clients.findById(otherId),
  ]);
  if (!kept || kept.erasedAt || !other || other.erasedAt) throw new NotFoundError('client');
  const patch = mergedFields(kept, other);
  // Checked before anything moves: joined notes may be too long, for one.
  deps.clients.validate(patch, false);

  return inTransaction(deps.db, async (tx) => {
    // Both cards locked in a fixed order, so two merges of the same pair cannot deadlock.
    const locked = await tx
      .selectFrom('clients')
      .select(['id', 'erased_at'])
      .where('id', 'in', [keptId, otherId].sort())
      .orderBy('id')
      .forUpdate()
      .execute();
    if (locked.length !== 2 || locked.some((r) => r.erased_at)) throw new NotFoundError('client');

    const move = async (
      table: 'appointments' | 'client_consents' | 'client_messages' | 'coupons' | 'points_ledger',
    ) =>
      Number(
        (
          await tx
            .updateTable(table)
            .set({ client_id: keptId })
            .where('client_id', '=', otherId)
            .executeTakeFirst()
        ).numUpdatedRows,
      );
    const visits = await move('appointments');
    for (const table of ['client_consents', 'client_messages', 'coupons', 'points_ledger'] as const)
      await move(table);
    await tx
      .updateTable('visit_feedback')
      .set({ client_id: keptId })
      .where('client_id', '=', otherId)
      .execute();
    // Greetings already sent to either card count for the kept one: no second greeting.
    await tx
      .deleteFrom('greeting_messages as o')
      .where('o.client_id', '=', otherId)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('greeting_messages as k')
            .select('k.id')
            .where('k.client_id', '=', keptId)
            .whereRef('k.greeting', '=', 'o.greeting')
            .whereRef('k.occurrence', '=', 'o.occurrence'),
        ),
      )
      .execute();
    await tx
      .updateTable('greeting_messages')
      .set({ client_id: keptId })
      .where('client_id', '=', otherId)
      .execute();

    // Referrals: the duplicate's friends become the kept card's; a referral between the two
    // cards, or a second "who invited me", is dropped.
    await tx
      .deleteFrom('referrals')
      .where((eb) =>
        eb.or([
          eb.and([eb('referrer_id', '=', keptId), eb('referred_id', '=', otherId)]),
          eb.and([eb('referrer_id', '=', otherId), eb('referred_id', '=', keptId)]),
        ]),
      )
      .execute();
    const keptReferred = await tx
      .selectFrom('referrals')
      .select('id')
      .where('referred_id', '=', keptId)
      .executeTakeFirst();
    if (keptReferred) await tx.deleteFrom('referrals').where('referred_id', '=', otherId).execute();
    else
      await tx
        .updateTable('referrals')
        .set({ referred_id: keptId })
        .where('referred_id', '=', otherId)
        .execute();
    await tx
      .updateTable('referrals')
      .set({ referrer_id: keptId })
      .where('referrer_id', '=', otherId)
      .execute();
    await tx
      .updateTable('clients')
      .set({ referrer_id: keptId })
      .where('referrer_id', '=', otherId)
      .where('id', '!=', keptId)
      .execute();
    await tx
      .updateTable('clients')
      .set({ referrer_id: null })
      .where('id', '=', keptId)
      .where('referrer_id', '=', otherId)
      .execute();

    // The duplicate's cards stop working; the kept card's number stays the client's.
    await tx
      .updateTable('loyalty_cards')
      .set({ client_id: keptId, revoked_at: sql`coalesce(revoked_at, now())` })
      .where('client_id', '=', otherId)
      .execute();
    // Queued messages to or about the duplicate are the kept card's now (erasure would drop them).
    await tx
      .updateTable('outbox')
      .set({ client_id: keptId })
      .where('client_id', '=', otherId)
      .execute();
    await tx
      .updateTable('outbox')
      .set({
        about_client_ids: sql`array_replace(about_client_ids, ${otherId}::uuid, ${keptId}::uuid)`,
      })
      .where(sql<boolean>`${otherId}::uuid = ANY(about_client_ids)`)
      .execute();

    // The Telegram account is unique: taken off the duplicate before the kept card gets it.
    if (patch.telegramUserId !== undefined)
      await tx
        .updateTable('clients')
        .set({ telegram_user_id: null })
        .where('id', '=', otherId)
        .execute();
    if (Object.keys(patch).length > 0) await deps.clients.on(tx).update(keptId, patch, actor);
    const consents = await currentConsents(tx, keptId);
    await tx
      .updateTable('clients')
      .set({ marketing_opt_in: consents.marketing })
      .where('id', '=', keptId)
      .execute();
    await deps.clients.on(tx).erase(otherId, actor);
    const fields = Object.keys(patch).sort();
    await recordAudit(tx, actor, {
      action: 'merge',
      entity: 'client',
      entityId: keptId,
      details: { merged: otherId, visits, fields },
    });
    return { visits, fields };
  });
}
