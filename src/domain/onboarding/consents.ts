import type { ConsentPurpose } from '../../db/schema.js';
import type { Db } from '../shared/transaction.js';

/**
 * The consent documents in force. A new wording gets a new version; records keep the version
 * the person agreed to. The texts themselves are in the bot's translation files, keyed by
 * purpose and version, so they are shown exactly as recorded.
 */
export const CONSENT_VERSIONS: Record<ConsentPurpose, string> = {
  personal_data: '2026-11-24',
  health_data: '2026-11-24',
  marketing: '2026-11-24',
};

export interface ConsentChoice {
  purpose: ConsentPurpose;
  granted: boolean;
}

export async function recordConsents(
  db: Db,
  clientId: string,
  choices: ConsentChoice[],
  channel: string,
): Promise<void> {
  if (choices.length === 0) return;
  await db
    .insertInto('client_consents')
    .values(
      choices.map((c) => ({
        client_id: clientId,
        purpose: c.purpose,
        granted: c.granted,
        document_version: CONSENT_VERSIONS[c.purpose],
        channel,
      })),
    )
    .execute();
  const marketing = choices.find((c) => c.purpose === 'marketing');
  if (marketing) {
    await db
      .updateTable('clients')
      .set({ marketing_opt_in: marketing.granted })
      .where('id', '=', clientId)
      .execute();
    // Withdrawal stops marketing at once: greetings already queued are not sent either.
    if (!marketing.granted)
      await db
        .deleteFrom('outbox')
        .where('client_id', '=', clientId)
        .where('status', '=', 'pending')
        .where('kind', 'in', [...MARKETING_KINDS])
        .execute();
  }
}

/** Outbox kinds that are marketing: they need the client's marketing consent. */
export const MARKETING_KINDS = ['birthday', 'holiday', 'winback'] as const;

/** The latest decision per purpose. */
export async function currentConsents(
  db: Db,
  clientId: string,
): Promise<Record<ConsentPurpose, boolean>> {
  const rows = await db
    .selectFrom('client_consents')
    .select(['purpose', 'granted'])
    .where('client_id', '=', clientId)
    .orderBy('recorded_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
  const out: Record<ConsentPurpose, boolean> = {
    personal_data: false,
    health_data: false,
    marketing: false,
  };
  for (const r of rows) out[r.purpose] = r.granted;
  return out;
}

/** Of these clients, those whose latest decision on one purpose is "granted" (one query). */
export async function grantedAmong(
  db: Db,
  clientIds: readonly string[],
  purpose: ConsentPurpose,
): Promise<Set<string>> {
  if (clientIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('client_consents')
    .select(['client_id', 'granted'])
    .distinctOn('client_id')
    .where('client_id', 'in', [...new Set(clientIds)])
    .where('purpose', '=', purpose)
    .orderBy('client_id')
    .orderBy('recorded_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return new Set(rows.filter((r) => r.granted).map((r) => r.client_id));
}
