import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Actor } from '../actor.js';
import { InvalidInputError } from '../errors.js';
import { CONSENT_VERSIONS } from '../onboarding/consents.js';
import { isUuid } from '../shared/ids.js';
import type { Tx } from '../shared/transaction.js';
import { type ClientInput, tagColumns } from './client-rows.js';
import type { ClientService } from './client-service.js';
import {
  birthdayIndexValue,
  checkBirthday,
  cleanText,
  formatBirthday,
  nameTokens,
  normalisePhone,
} from './normalise.js';

/**
 * A client of a salon's past, brought in at once (the demo salon, a migration from another
 * system): what they gave, when they joined, which consents they gave then, and who recorded
 * them (the client in Telegram, or staff).
 */
export interface HistoricalClient {
  input: ClientInput & { name: string };
  joinedAt: Date;
  consents: { health: boolean; marketing: boolean; channel: 'telegram' | 'panel' | 'import' };
  actor: Actor;
}

const BATCH = 500;
const TEXT_FIELDS = [
  ['name', 'name_enc', 200],
  ['notes', 'notes_enc', 4000],
  ['allergies', 'allergies_enc', 2000],
  ['preferences', 'preferences_enc', 2000],
] as const;

/**
 * Records many clients in the caller's transaction, a statement per few hundred instead of
 * several per client. Each input first passes ClientService.validate (the very checks create
 * runs); fields are then encrypted under the client's own data key with the same places and
 * blind indexes as ClientService, so the service reads and finds them as its own. Consents are
 * recorded as given at joining; each client gets its 'create' audit entry.
 */
export async function recordClientHistory(
  tx: Tx,
  crypto: Crypto,
  service: ClientService,
  clients: readonly HistoricalClient[],
): Promise<{ id: string; referralCode: string }[]> {
  const rows = clients.map((c, index) => {
    try {
      service.validate(c.input);
      if (Number.isNaN(c.joinedAt.getTime())) throw new InvalidInputError('joinedAt', 'invalid');
    } catch (err) {
      if (err instanceof InvalidInputError)
        throw new InvalidInputError(
          err.field,
          err.code,
          `client ${index}: ${err.field}: ${err.code}`,
        );
      throw err;
    }
    const id = randomUUID();
    const key = crypto.newDataKey();
    const place = (column: string) => ({ table: 'clients', column, rowId: id });
    const input = c.input;
    const text: Record<string, Uint8Array | null> = {};
    for (const [field, column, max] of TEXT_FIELDS) {
      const value = input[field];
      const clean = value ? cleanText(field, value, max) : '';
      text[column] = clean === '' ? null : crypto.encrypt(key, place(column), clean);
    }
    const phone = input.phone ? normalisePhone(input.phone) : null;
    const birthday = input.birthday ? checkBirthday(input.birthday, service.now()) : null;
    return {
      id,
      data_key: crypto.wrapDataKey(id, key),
      referral_code: crypto.randomToken(8),
      name_enc: text.name_enc ?? null,
      notes_enc: text.notes_enc ?? null,
      allergies_enc: text.allergies_enc ?? null,
      preferences_enc: text.preferences_enc ?? null,
      name_bidx: nameTokens(cleanText('name', input.name, 200)).map((t) =>
        crypto.blindIndex('name', t),
      ),
      phone_enc: phone === null ? null : crypto.encrypt(key, place('phone_enc'), phone),
      phone_bidx: phone === null ? null : crypto.blindIndex('phone', phone),
      birthday_enc:
        birthday === null
          ? null
          : crypto.encrypt(key, place('birthday_enc'), formatBirthday(birthday)),
      birthday_bidx:
        birthday === null ? null : crypto.blindIndex('birthday', birthdayIndexValue(birthday)),
      telegram_user_id: input.telegramUserId ?? null,
      locale: input.locale ?? 'ru',
      source_id: input.sourceId ?? null,
      referrer_id: null,
      ...tagColumns(crypto, key, id, [
        ...new Set((input.tags ?? []).map((t) => cleanText('tags', t, 40)).filter(Boolean)),
      ]),
      home_branch_id: input.homeBranchId ?? null,
      marketing_opt_in: c.consents.marketing,
      created_at: c.joinedAt,
      updated_at: c.joinedAt,
    };
  });
  for (const r of rows)
    for (const column of ['source_id', 'home_branch_id'] as const)
      if (r[column] !== null && !isUuid(r[column] ?? ''))
        throw new InvalidInputError(column, 'invalid');
  for (let from = 0; from < rows.length; from += BATCH) {
    const batch = rows.slice(from, from + BATCH);
    const people = clients.slice(from, from + BATCH);
    await tx.insertInto('clients').values(batch).execute();
    await tx
      .insertInto('client_consents')
      .values(
        people.flatMap((c, i) => {
          const clientId = batch[i]?.id ?? '';
          const at = c.joinedAt;
          const channel = c.consents.channel;
          return [
            ['personal_data', true],
            ['health_data', c.consents.health],
            ['marketing', c.consents.marketing],
          ].map(([purpose, granted]) => ({
            client_id: clientId,
            purpose: purpose as 'personal_data' | 'health_data' | 'marketing',
            granted: granted as boolean,
            document_version: CONSENT_VERSIONS[purpose as 'personal_data'],
            channel,
            recorded_at: at,
          }));
        }),
      )
      .execute();
    await tx
      .insertInto('audit_log')
      .values(
        people.map((c, i) => ({
          at: c.joinedAt,
          actor_type: c.actor.type,
          actor_id: c.actor.id,
          ip: null,
          action: 'create',
          entity: 'client',
          entity_id: batch[i]?.id ?? null,
          details: JSON.stringify({
            fields: Object.entries(c.input)
              .filter(([, v]) => v !== undefined)
              .map(([k]) => k)
              .sort(),
          }),
        })),
      )
      .execute();
  }
  return rows.map((r) => ({ id: r.id, referralCode: r.referral_code }));
}

/**
 * Dates referrals made through ReferralService.attribute back to when the friend joined (for
 * history brought in at once). Statistics count them by these dates.
 */
export async function backdateReferrals(
  tx: Tx,
  joined: readonly { id: string; at: Date }[],
): Promise<void> {
  for (const [i, j] of joined.entries()) {
    if (!isUuid(j.id)) throw new InvalidInputError('id', 'invalid', `client ${i}: id: invalid`);
    if (Number.isNaN(j.at.getTime()))
      throw new InvalidInputError('at', 'invalid', `client ${i}: at: invalid`);
  }
  for (let from = 0; from < joined.length; from += 5_000) {
    const batch = joined.slice(from, from + 5_000);
    const ids = sql.val(batch.map((j) => j.id));
    const ats = sql.val(batch.map((j) => j.at.toISOString()));
    await sql`UPDATE referrals r SET created_at = d.at
      FROM (SELECT unnest(${ids}::uuid[]) AS id, unnest(${ats}::timestamptz[]) AS at) d
      WHERE r.referred_id = d.id`.execute(tx);
  }
}
