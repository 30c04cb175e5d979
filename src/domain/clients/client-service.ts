import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Crypto, DataKey } from '../../crypto/crypto.js';
import type { ClientRow, ClientRowUpdate, Database } from '../../db/schema.js';
import type { Logger } from '../../logger.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { deleteConversationsOfChat } from '../conversations/conversation-store.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import {
  type Birthday,
  birthdayIndexValue,
  checkBirthday,
  cleanText,
  formatBirthday,
  nameTokens,
  normalisePhone,
  readBirthday,
} from './normalise.js';

export type { Birthday } from './normalise.js';

/** A client as the rest of the program sees it: decrypted, typed, never a row. */
export interface Client {
  id: string;
  name: string | null;
  phone: string | null;
  birthday: Birthday | null;
  notes: string | null;
  allergies: string | null;
  preferences: string | null;
  telegramUserId: number | null;
  locale: string;
  sourceId: string | null;
  referrerId: string | null;
  referralCode: string;
  marketingOptIn: boolean;
  tags: string[];
  homeBranchId: string | null;
  blockedBotAt: Date | null;
  erasedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ClientInput {
  name?: string | null;
  phone?: string | null;
  birthday?: Birthday | null;
  notes?: string | null;
  allergies?: string | null;
  preferences?: string | null;
  telegramUserId?: number | null;
  locale?: string;
  sourceId?: string | null;
  referrerId?: string | null;
  tags?: string[];
  homeBranchId?: string | null;
}

/** The encrypted columns and the limits of what people may type into them. */
const TEXT_FIELDS = {
  name: { column: 'name_enc', max: 200 },
  notes: { column: 'notes_enc', max: 4000 },
  allergies: { column: 'allergies_enc', max: 2000 },
  preferences: { column: 'preferences_enc', max: 2000 },
} as const;
type TextField = keyof typeof TEXT_FIELDS;

const LOCALES = new Set(['ru', 'en']);
const MAX_TAGS = 30;
const MAX_CANDIDATES = 5_000;

type Db = Kysely<Database> | Transaction<Database>;

export interface ClientServiceDeps {
  db: Kysely<Database>;
  crypto: Crypto;
  logger: Logger;
}

/**
 * The only way in and out of the clients table: fields are validated and encrypted under the
 * client's own data key on the way in, decrypted on the way out, and every read of a card and
 * every change is written to the audit log.
 */
export class ClientService {
  private readonly db: Kysely<Database>;
  private readonly crypto: Crypto;
  private readonly logger: Logger;

  constructor(deps: ClientServiceDeps) {
    this.db = deps.db;
    this.crypto = deps.crypto;
    this.logger = deps.logger.child({ module: 'clients' });
  }

  async create(input: ClientInput, actor: Actor, trx?: Transaction<Database>): Promise<Client> {
    const id = randomUUID();
    const key = this.crypto.newDataKey();
    const values = this.encryptInput(id, key, input, true);
    const run = async (tx: Db) => {
      const row = await tx
        .insertInto('clients')
        .values({
          id,
          data_key: this.crypto.wrapDataKey(id, key),
          referral_code: this.crypto.randomToken(8),
          ...values,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'create',
        entity: 'client',
        entityId: id,
        details: { fields: changedFields(input) },
      });
      return row;
    };
    const row = trx ? await run(trx) : await this.db.transaction().execute(run);
    this.logger.info({ clientId: id }, 'client created');
    return this.toClient(row, key);
  }

  async update(
    id: string,
    patch: ClientInput,
    actor: Actor,
    trx?: Transaction<Database>,
  ): Promise<Client> {
    const run = async (tx: Transaction<Database>) => {
      const current = await tx
        .selectFrom('clients')
        .selectAll()
        .where('id', '=', id)
        .where('erased_at', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      if (!current) throw new NotFoundError('client');
      const key = this.crypto.unwrapDataKey(id, current.data_key);
      const values = this.encryptInput(id, key, patch, false);
      const row = await tx
        .updateTable('clients')
        .set({ ...values, updated_at: sql`now()` })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'update',
        entity: 'client',
        entityId: id,
        details: { fields: changedFields(patch) },
      });
      this.logger.info({ clientId: id }, 'client updated');
      return this.toClient(row, key);
    };
    return trx ? run(trx) : this.db.transaction().execute(run);
  }

  /** Reads one client card; the read is audited because it shows personal data. */
  async get(id: string, actor: Actor): Promise<Client | null> {
    if (!isUuid(id)) return null;
    const row = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    await recordAudit(this.db, actor, { action: 'view', entity: 'client', entityId: id });
    return this.decryptRow(row);
  }

  /** A client for a list or search result: no audit entry (opening the card makes one). */
  async findById(id: string): Promise<Client | null> {
    if (!isUuid(id)) return null;
    const row = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('id', '=', id)
      .where('erased_at', 'is', null)
      .executeTakeFirst();
    return row ? this.decryptRow(row) : null;
  }

  /** Several clients at once, by id, for a list page (no audit entry); erased ones are absent. */
  async findManyById(ids: readonly string[]): Promise<Map<string, Client>> {
    const wanted = [...new Set(ids.filter(isUuid))];
    if (wanted.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('id', 'in', wanted)
      .where('erased_at', 'is', null)
      .execute();
    return new Map(rows.map((r) => [r.id, this.decryptRow(r)]));
  }

  async getByTelegramId(telegramUserId: number): Promise<Client | null> {
    const row = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('telegram_user_id', '=', String(telegramUserId))
      .where('erased_at', 'is', null)
      .executeTakeFirst();
    return row ? this.decryptRow(row) : null;
  }

  /** Who a Telegram user is, without decrypting anything: for routing and language. */
  async identityOfTelegramUser(
    telegramUserId: number,
  ): Promise<{ id: string; locale: string } | null> {
    const row = await this.db
      .selectFrom('clients')
      .select(['id', 'locale'])
      .where('telegram_user_id', '=', String(telegramUserId))
      .where('erased_at', 'is', null)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Telegram tells us when a user blocks or unblocks the bot; messages stop and resume. */
  async setBotBlocked(telegramUserId: number, blocked: boolean): Promise<void> {
    await this.db
      .updateTable('clients')
      .set({ blocked_bot_at: blocked ? sql`now()` : null })
      .where('telegram_user_id', '=', String(telegramUserId))
      .execute();
  }

  /** Exact phone search: the index gives candidates, decryption confirms them. */
  async findByPhone(rawPhone: string): Promise<Client[]> {
    let phone: string;
    try {
      phone = normalisePhone(rawPhone);
    } catch {
      return [];
    }
    const rows = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('phone_bidx', '=', this.crypto.blindIndex('phone', phone))
      .where('erased_at', 'is', null)
      .limit(MAX_CANDIDATES)
      .execute();
    return rows.map((r) => this.decryptRow(r)).filter((c) => c.phone === phone);
  }

  /** Clients whose name has every word of the query (whole words, any order, ё = е). */
  async findByName(query: string): Promise<Client[]> {
    const tokens = nameTokens(query.slice(0, 200));
    if (tokens.length === 0) return [];
    const indexes = tokens.map((t) => this.crypto.blindIndex('name', t));
    const rows = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('name_bidx', '@>', sql<number[]>`${sql.val(indexes)}::integer[]`)
      .where('erased_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(MAX_CANDIDATES)
      .execute();
    return rows
      .map((r) => this.decryptRow(r))
      .filter((c) => {
        const have = new Set(nameTokens(c.name ?? ''));
        return tokens.every((t) => have.has(t));
      });
  }

  /** Candidates for a birthday on a month-day, confirmed by decryption. */
  async findByBirthday(month: number, day: number): Promise<Client[]> {
    const index = this.crypto.blindIndex('birthday', birthdayIndexValue({ month, day }));
    const rows = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('birthday_bidx', '=', index)
      .where('erased_at', 'is', null)
      .execute();
    return rows
      .map((r) => this.decryptRow(r))
      .filter((c) => c.birthday?.month === month && c.birthday.day === day);
  }

  /**
   * Clients to greet on these birthdays: found through the birthday blind index (never by
   * decrypting the table), confirmed by decryption; only those who accept marketing and can be
   * reached in Telegram.
   */
  async birthdayCelebrants(dates: { month: number; day: number }[]): Promise<Client[]> {
    if (dates.length === 0) return [];
    const indexes = dates.map((d) => this.crypto.blindIndex('birthday', birthdayIndexValue(d)));
    const rows = await this.reachableForMarketing().where('birthday_bidx', 'in', indexes).execute();
    return rows
      .map((r) => this.decryptRow(r))
      .filter((c) => dates.some((d) => c.birthday?.month === d.month && c.birthday.day === d.day));
  }

  /** A page of clients who accept marketing and can be reached, in id order after `afterId`. */
  async marketingAudience(afterId: string | null, limit: number): Promise<Client[]> {
    const rows = await this.reachableForMarketing()
      .$if(afterId !== null, (q) => q.where('id', '>', afterId ?? ''))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => this.decryptRow(r));
  }

  private reachableForMarketing() {
    return this.db
      .selectFrom('clients')
      .selectAll()
      .where('erased_at', 'is', null)
      .where('marketing_opt_in', '=', true)
      .where('telegram_user_id', 'is not', null)
      .where('blocked_bot_at', 'is', null);
  }

  async list(options: { limit: number; offset: number }): Promise<Client[]> {
    const rows = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('erased_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(Math.min(Math.max(options.limit, 1), 500))
      .offset(Math.max(options.offset, 0))
      .execute();
    return rows.map((r) => this.decryptRow(r));
  }

  async count(): Promise<number> {
    const { n } = await this.db
      .selectFrom('clients')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('erased_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /**
   * Cryptographic erasure: the data key is destroyed and ciphertexts, indexes, the Telegram link,
   * outbox messages (queued and sent) and conversation state removed. Visits stay, anonymous,
   * for statistics.
   */
  async erase(id: string, actor: Actor, trx?: Transaction<Database>): Promise<void> {
    const run = async (tx: Transaction<Database>) => {
      const row = await tx
        .selectFrom('clients')
        .select(['id', 'telegram_user_id', 'erased_at'])
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row || row.erased_at) throw new NotFoundError('client');
      await tx
        .updateTable('clients')
        .set({
          data_key: new Uint8Array(0),
          name_enc: null,
          phone_enc: null,
          birthday_enc: null,
          notes_enc: null,
          allergies_enc: null,
          preferences_enc: null,
          phone_bidx: null,
          name_bidx: [],
          birthday_bidx: null,
          telegram_user_id: null,
          tags: [],
          referral_code: `erased-${id}`,
          erased_at: sql`now()`,
          updated_at: sql`now()`,
        })
        .where('id', '=', id)
        .execute();
      // Every message to or about the client, sent ones too: their payloads are ciphertexts
      // under the system key, which erasure does not destroy.
      await tx.deleteFrom('outbox').where('client_id', '=', id).execute();
      await tx
        .deleteFrom('outbox')
        .where(sql<boolean>`${id}::uuid = ANY(about_client_ids)`)
        .execute();
      await tx
        .updateTable('visit_feedback')
        .set({ comment_enc: null, client_id: null })
        .where('client_id', '=', id)
        .execute();
      await tx.deleteFrom('client_messages').where('client_id', '=', id).execute();
      if (row.telegram_user_id !== null) {
        await tx.deleteFrom('outbox').where('chat_id', '=', row.telegram_user_id).execute();
        await deleteConversationsOfChat(tx, Number(row.telegram_user_id));
        await tx
          .deleteFrom('client_messages')
          .where('telegram_user_id', '=', row.telegram_user_id)
          .execute();
      }
      await recordAudit(tx, actor, { action: 'erase', entity: 'client', entityId: id });
    };
    await (trx ? run(trx) : this.db.transaction().execute(run));
    this.logger.info({ clientId: id }, 'client erased');
  }

  /**
   * Checks an input exactly as create (or update) would, without writing anything: the same
   * code runs, with a throwaway key.
   */
  validate(input: ClientInput, creating = true): void {
    this.encryptInput(
      '00000000-0000-4000-8000-000000000000',
      this.crypto.newDataKey(),
      input,
      creating,
    );
  }

  private encryptInput(id: string, key: DataKey, input: ClientInput, creating: boolean) {
    const place = (column: string) => ({ table: 'clients', column, rowId: id });
    const out: Partial<Record<string, unknown>> = {};
    for (const field of Object.keys(TEXT_FIELDS) as TextField[]) {
      const value = input[field];
      if (value === undefined) continue;
      const { column, max } = TEXT_FIELDS[field];
      const text = value === null ? '' : cleanText(field, value, max);
      if (field === 'name' && text === '' && (creating || value !== undefined)) {
        throw new InvalidInputError('name', 'required');
      }
      out[column] = text === '' ? null : this.crypto.encrypt(key, place(column), text);
      if (field === 'name')
        out.name_bidx = nameTokens(text).map((t) => this.crypto.blindIndex('name', t));
    }
    if (creating && input.name === undefined) throw new InvalidInputError('name', 'required');
    if (input.phone !== undefined) {
      const phone =
        input.phone === null || input.phone.trim() === '' ? null : normalisePhone(input.phone);
      out.phone_enc = phone === null ? null : this.crypto.encrypt(key, place('phone_enc'), phone);
      out.phone_bidx = phone === null ? null : this.crypto.blindIndex('phone', phone);
    }
    if (input.birthday !== undefined) {
      const b = input.birthday === null ? null : checkBirthday(input.birthday);
      out.birthday_enc =
        b === null ? null : this.crypto.encrypt(key, place('birthday_enc'), formatBirthday(b));
      out.birthday_bidx =
        b === null ? null : this.crypto.blindIndex('birthday', birthdayIndexValue(b));
    }
    if (input.locale !== undefined) {
      if (!LOCALES.has(input.locale)) throw new InvalidInputError('locale', 'invalid');
      out.locale = input.locale;
    }
    if (input.tags !== undefined) {
      const tags = [...new Set(input.tags.map((t) => cleanText('tags', t, 40)).filter(Boolean))];
      if (tags.length > MAX_TAGS) throw new InvalidInputError('tags', 'too_many');
      out.tags = tags;
    }
    if (input.telegramUserId !== undefined) {
      if (
        input.telegramUserId !== null &&
        !(Number.isSafeInteger(input.telegramUserId) && input.telegramUserId > 0)
      ) {
        throw new InvalidInputError('telegramUserId', 'invalid');
      }
      out.telegram_user_id = input.telegramUserId;
    }
    for (const [field, column] of [
      ['sourceId', 'source_id'],
      ['referrerId', 'referrer_id'],
      ['homeBranchId', 'home_branch_id'],
    ] as const) {
      const value = input[field];
      if (value === undefined) continue;
      if (value !== null && !isUuid(value)) throw new InvalidInputError(field, 'invalid');
      out[column] = value;
    }
    return out as ClientRowUpdate;
  }

  private decryptRow(row: ClientRow): Client {
    if (row.erased_at) return this.toClient(row, null);
    return this.toClient(row, this.crypto.unwrapDataKey(row.id, row.data_key));
  }

  private toClient(row: ClientRow, key: DataKey | null): Client {
    const read = (column: keyof ClientRow & `${string}_enc`): string | null => {
      const value = row[column];
      if (!key || !value) return null;
      return this.crypto.decrypt(key, { table: 'clients', column, rowId: row.id }, value);
    };
    const birthday = read('birthday_enc');
    return {
      id: row.id,
      name: read('name_enc'),
      phone: read('phone_enc'),
      birthday: birthday === null ? null : readBirthday(birthday),
      notes: read('notes_enc'),
      allergies: read('allergies_enc'),
      preferences: read('preferences_enc'),
      telegramUserId: row.telegram_user_id === null ? null : Number(row.telegram_user_id),
      locale: row.locale,
      sourceId: row.source_id,
      referrerId: row.referrer_id,
      referralCode: row.referral_code,
      marketingOptIn: row.marketing_opt_in,
      tags: row.tags,
      homeBranchId: row.home_branch_id,
      blockedBotAt: row.blocked_bot_at,
      erasedAt: row.erased_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

/** Blind-index columns for decrypted stored values (used when keys or index widths change). */
export function indexColumns(
  crypto: Crypto,
  stored: { name_enc: string | null; phone_enc: string | null; birthday_enc: string | null },
): { phone_bidx: number | null; name_bidx: number[]; birthday_bidx: number | null } {
  const birthday = stored.birthday_enc === null ? null : readBirthday(stored.birthday_enc);
  return {
    phone_bidx: stored.phone_enc === null ? null : crypto.blindIndex('phone', stored.phone_enc),
    name_bidx: nameTokens(stored.name_enc ?? '').map((t) => crypto.blindIndex('name', t)),
    birthday_bidx:
      birthday === null ? null : crypto.blindIndex('birthday', birthdayIndexValue(birthday)),
  };
}

function changedFields(input: ClientInput): string[] {
  return Object.entries(input)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k)
    .sort();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
