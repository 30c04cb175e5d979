/**
 * A client row in and out: every personal field validated and encrypted under the client's own
 * data key on the way in (with its blind indexes), decrypted into a `Client` on the way out, so
 * row types never leave the clients area.
 */
import type { Crypto, DataKey } from '../../crypto/crypto.js';
import type { ClientRow, ClientRowUpdate } from '../../db/schema.js';
import { InvalidInputError } from '../errors.js';
import { isUuid } from '../shared/ids.js';
import {
  type Birthday,
  birthdayIndexValue,
  checkBirthday,
  cleanText,
  formatBirthday,
  nameTokens,
  normalisePhone,
  readBirthday,
  tagIndexValue,
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

/**
 * The columns for an input, checked and encrypted for row `id` under `key`. `creating` requires a
 * name; `today` bounds birthdays (none in the future).
 */
export function encryptClientInput(
  crypto: Crypto,
  row: { id: string; key: DataKey; creating: boolean; today: Date },
  input: ClientInput,
): ClientRowUpdate {
  const { id, key, creating } = row;
  const place = (column: string) => ({ table: 'clients', column, rowId: id });
  const out: Partial<Record<string, unknown>> = {};
  for (const field of Object.keys(TEXT_FIELDS) as TextField[]) {
    const value = input[field];
    if (value === undefined) continue;
    const { column, max } = TEXT_FIELDS[field];
    const text = value === null ? '' : cleanText(field, value, max);
    if (field === 'name' && text === '') throw new InvalidInputError('name', 'required');
    out[column] = text === '' ? null : crypto.encrypt(key, place(column), text);
    if (field === 'name') out.name_bidx = nameTokens(text).map((t) => crypto.blindIndex('name', t));
  }
  if (creating && input.name === undefined) throw new InvalidInputError('name', 'required');
  if (input.phone !== undefined) {
    const phone =
      input.phone === null || input.phone.trim() === '' ? null : normalisePhone(input.phone);
    out.phone_enc = phone === null ? null : crypto.encrypt(key, place('phone_enc'), phone);
    out.phone_bidx = phone === null ? null : crypto.blindIndex('phone', phone);
  }
  if (input.birthday !== undefined) {
    const b = input.birthday === null ? null : checkBirthday(input.birthday, row.today);
    out.birthday_enc =
      b === null ? null : crypto.encrypt(key, place('birthday_enc'), formatBirthday(b));
    out.birthday_bidx = b === null ? null : crypto.blindIndex('birthday', birthdayIndexValue(b));
  }
  if (input.locale !== undefined) {
    if (!LOCALES.has(input.locale)) throw new InvalidInputError('locale', 'invalid');
    out.locale = input.locale;
  }
  if (input.tags !== undefined) {
    if (!Array.isArray(input.tags) || input.tags.some((t) => typeof t !== 'string'))
      throw new InvalidInputError('tags', 'invalid');
    const tags = [...new Set(input.tags.map((t) => cleanText('tags', t, 40)).filter(Boolean))];
    if (tags.length > MAX_TAGS) throw new InvalidInputError('tags', 'too-many');
    Object.assign(out, tagColumns(crypto, key, id, tags));
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

/** A stored row as a client; an erased one has no key left and reads as empty. */
export function decryptClient(crypto: Crypto, row: ClientRow): Client {
  if (row.erased_at) return toClient(crypto, row, null);
  return toClient(crypto, row, crypto.unwrapDataKey(row.id, row.data_key));
}

/** A row as a client, with its data key already at hand (just made or unwrapped). */
export function toClient(crypto: Crypto, row: ClientRow, key: DataKey | null): Client {
  const read = (column: keyof ClientRow & `${string}_enc`): string | null => {
    const value = row[column];
    if (!key || !value) return null;
    return crypto.decrypt(key, { table: 'clients', column, rowId: row.id }, value);
  };
  const birthday = read('birthday_enc');
  const tags = read('tags_enc');
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
    tags: tags === null ? [] : readTags(tags),
    homeBranchId: row.home_branch_id,
    blockedBotAt: row.blocked_bot_at,
    erasedAt: row.erased_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Blind-index columns for decrypted stored values (used when keys or index widths change). */
export function indexColumns(
  crypto: Crypto,
  stored: {
    name_enc: string | null;
    phone_enc: string | null;
    birthday_enc: string | null;
    tags_enc: string | null;
  },
): {
  phone_bidx: number | null;
  name_bidx: number[];
  birthday_bidx: number | null;
  tags_bidx: number[];
} {
  const birthday = stored.birthday_enc === null ? null : readBirthday(stored.birthday_enc);
  return {
    phone_bidx: stored.phone_enc === null ? null : crypto.blindIndex('phone', stored.phone_enc),
    name_bidx: nameTokens(stored.name_enc ?? '').map((t) => crypto.blindIndex('name', t)),
    birthday_bidx:
      birthday === null ? null : crypto.blindIndex('birthday', birthdayIndexValue(birthday)),
    tags_bidx: tagIndexes(crypto, stored.tags_enc === null ? [] : readTags(stored.tags_enc)),
  };
}

/** The index values of some tags, each once (for the column, or to look clients up). */
export function tagIndexes(crypto: Crypto, tags: readonly string[]): number[] {
  return [...new Set(tags.map((t) => crypto.blindIndex('tag', tagIndexValue(t))))];
}

/**
 * Tags are stored as one JSON array, encrypted under the client's key like every other
 * personal field, beside their blind indexes; no tags is no ciphertext.
 */
export function tagColumns(
  crypto: Crypto,
  key: DataKey,
  clientId: string,
  tags: readonly string[],
): { tags_enc: Uint8Array | null; tags_bidx: number[] } {
  if (tags.length === 0) return { tags_enc: null, tags_bidx: [] };
  return {
    tags_enc: crypto.encrypt(
      key,
      { table: 'clients', column: 'tags_enc', rowId: clientId },
      JSON.stringify(tags),
    ),
    tags_bidx: tagIndexes(crypto, tags),
  };
}

function readTags(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}
