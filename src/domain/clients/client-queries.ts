/**
 * Reading clients: by id, Telegram account, phone, name words, birthday, and the audiences of
 * greetings. Lookups go through blind indexes (never by decrypting the table) and are confirmed
 * on the decrypted values, since indexes are shared by design. Handle first; no writes but the
 * audit entry of a card read.
 */
import { sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Actor } from '../actor.js';
import { type ListRead, recordAudit, recordListRead } from '../audit/audit-log.js';
import { isUuid } from '../shared/ids.js';
import type { Db } from '../shared/transaction.js';
import { type Client, decryptClient, tagIndexes } from './client-rows.js';
import { birthdayIndexValue, nameTokens, normalisePhone } from './normalise.js';

const MAX_CANDIDATES = 5_000;

/** Reads one client card, erased ones too; the read is audited because it shows personal data. */
export async function readClientCard(
  db: Db,
  crypto: Crypto,
  id: string,
  actor: Actor,
): Promise<Client | null> {
  if (!isUuid(id)) return null;
  const row = await db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  await recordAudit(db, actor, { action: 'view', entity: 'client', entityId: id });
  return decryptClient(crypto, row);
}

/** Audits a page of clients that a list or search showed to someone (no values). */
export function recordClientListRead(db: Db, actor: Actor, read: ListRead): Promise<void> {
  return recordListRead(db, actor, 'client', read);
}

/** A client for a list or search result: the caller audits the page (recordClientListRead). */
export async function clientById(db: Db, crypto: Crypto, id: string): Promise<Client | null> {
  if (!isUuid(id)) return null;
  const row = await db
    .selectFrom('clients')
    .selectAll()
    .where('id', '=', id)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  return row ? decryptClient(crypto, row) : null;
}

/** Several clients at once, by id, for a list page (no audit entry); erased ones are absent. */
export async function clientsById(
  db: Db,
  crypto: Crypto,
  ids: readonly string[],
): Promise<Map<string, Client>> {
  const wanted = [...new Set(ids.filter(isUuid))];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .selectFrom('clients')
    .selectAll()
    .where('id', 'in', wanted)
    .where('erased_at', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.id, decryptClient(crypto, r)]));
}

export async function clientByTelegramId(
  db: Db,
  crypto: Crypto,
  telegramUserId: number,
): Promise<Client | null> {
  const row = await db
    .selectFrom('clients')
    .selectAll()
    .where('telegram_user_id', '=', String(telegramUserId))
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  return row ? decryptClient(crypto, row) : null;
}

/** Who a Telegram user is, without decrypting anything: for routing and language. */
export async function clientIdentityOfTelegramUser(
  db: Db,
  telegramUserId: number,
): Promise<{ id: string; locale: string } | null> {
  const row = await db
    .selectFrom('clients')
    .select(['id', 'locale'])
    .where('telegram_user_id', '=', String(telegramUserId))
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  return row ?? null;
}

/** Exact phone search: the index gives candidates, decryption confirms them. */
export async function clientsByPhone(db: Db, crypto: Crypto, rawPhone: string): Promise<Client[]> {
  let phone: string;
  try {
    phone = normalisePhone(rawPhone);
  } catch {
    return [];
  }
  const rows = await db
    .selectFrom('clients')
    .selectAll()
    .where('phone_bidx', '=', crypto.blindIndex('phone', phone))
    .where('erased_at', 'is', null)
    .limit(MAX_CANDIDATES)
    .execute();
  return rows.map((r) => decryptClient(crypto, r)).filter((c) => c.phone === phone);
}

/** Clients whose name has every word of the query (whole words, any order, ё = е). */
export async function clientsByName(db: Db, crypto: Crypto, query: string): Promise<Client[]> {
  const tokens = nameTokens(query.slice(0, 200));
  if (tokens.length === 0) return [];
  const indexes = tokens.map((t) => crypto.blindIndex('name', t));
  const rows = await db
    .selectFrom('clients')
    .selectAll()
    .where('name_bidx', '@>', sql<number[]>`${sql.val(indexes)}::integer[]`)
    .where('erased_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(MAX_CANDIDATES)
    .execute();
  return rows
    .map((r) => decryptClient(crypto, r))
    .filter((c) => {
      const have = new Set(nameTokens(c.name ?? ''));
      return tokens.every((t) => have.has(t));
    });
}

/** Candidates for a birthday on a month-day, confirmed by decryption. */
export async function clientsByBirthday(
  db: Db,
  crypto: Crypto,
  month: number,
  day: number,
): Promise<Client[]> {
  const index = crypto.blindIndex('birthday', birthdayIndexValue({ month, day }));
  const rows = await db
    .selectFrom('clients')
    .selectAll()
    .where('birthday_bidx', '=', index)
    .where('erased_at', 'is', null)
    .execute();
  return rows
    .map((r) => decryptClient(crypto, r))
    .filter((c) => c.birthday?.month === month && c.birthday.day === day);
}

function reachableForMarketing(db: Db) {
  return db
    .selectFrom('clients')
    .selectAll()
    .where('erased_at', 'is', null)
    .where('marketing_opt_in', '=', true)
    .where('telegram_user_id', 'is not', null)
    .where('blocked_bot_at', 'is', null);
}

/**
 * Clients to greet on these birthdays: found through the birthday blind index, confirmed by
 * decryption; only those who accept marketing and can be reached in Telegram.
 */
export async function birthdayCelebrants(
  db: Db,
  crypto: Crypto,
  dates: { month: number; day: number }[],
): Promise<Client[]> {
  if (dates.length === 0) return [];
  const indexes = dates.map((d) => crypto.blindIndex('birthday', birthdayIndexValue(d)));
  const rows = await reachableForMarketing(db).where('birthday_bidx', 'in', indexes).execute();
  return rows
    .map((r) => decryptClient(crypto, r))
    .filter((c) => dates.some((d) => c.birthday?.month === d.month && c.birthday.day === d.day));
}

/**
 * A page of clients who accept marketing and can be reached, in id order after `afterId`.
 * `tags`: only candidates carrying one of them by the tag blind index; the caller confirms on
 * the decrypted tags.
 */
export async function marketingAudience(
  db: Db,
  crypto: Crypto,
  page: { afterId: string | null; limit: number; tags?: readonly string[] },
): Promise<Client[]> {
  const indexes = page.tags ? tagIndexes(crypto, page.tags) : null;
  const rows = await reachableForMarketing(db)
    .$if(indexes !== null, (q) =>
      q.where('tags_bidx', '&&', sql<number[]>`${sql.val(indexes ?? [])}::integer[]`),
    )
    .$if(page.afterId !== null, (q) => q.where('id', '>', page.afterId ?? ''))
    .orderBy('id')
    .limit(page.limit)
    .execute();
  return rows.map((r) => decryptClient(crypto, r));
}

export async function listClients(
  db: Db,
  crypto: Crypto,
  options: { limit: number; offset: number },
): Promise<Client[]> {
  const rows = await db
    .selectFrom('clients')
    .selectAll()
    .where('erased_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(Math.min(Math.max(options.limit, 1), 500))
    .offset(Math.max(options.offset, 0))
    .execute();
  return rows.map((r) => decryptClient(crypto, r));
}

export async function countClients(db: Db): Promise<number> {
  const { n } = await db
    .selectFrom('clients')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('erased_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(n);
}
