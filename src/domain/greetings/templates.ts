import { sql } from 'kysely';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { UUID_PATTERN } from '../shared/ids.js';
import type { Db } from '../shared/transaction.js';

/** What a greeting may say about its client; anything else in braces is refused when saved. */
export const PLACEHOLDERS = ['name', 'discount', 'coupon', 'valid_until', 'branch'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Partial<Record<Placeholder, string | number>>;

export const MAX_TEMPLATE = 2000;
export const TEMPLATE_LOCALES = ['ru', 'en'] as const;
const LOCALES = TEMPLATE_LOCALES;
export const TEMPLATE_KEY = new RegExp(`^(birthday|winback|holiday:${UUID_PATTERN})$`);

/** The texts a key has before anyone edits it (the same as the first migration's). */
const DEFAULTS: Record<'birthday' | 'winback' | 'holiday', Record<'ru' | 'en', string>> = {
  birthday: {
    ru: '{name}, с днём рождения! Дарим купон {coupon} на скидку — действует до {valid_until}. {branch}',
    en: '{name}, happy birthday! Here is a coupon {coupon}, valid until {valid_until}. {branch}',
  },
  winback: {
    ru: '{name}, давно вас не видели! Для вас купон {coupon} — действует до {valid_until}. Будем рады снова встретиться. {branch}',
    en: "{name}, we haven't seen you for a while! Here is a coupon {coupon}, valid until {valid_until}. {branch}",
  },
  holiday: {
    ru: '{name}, поздравляем с праздником! Ваша скидка у нас — {discount}%. {branch}',
    en: '{name}, happy holidays! Your discount with us is {discount}%. {branch}',
  },
};

export function defaultTemplate(key: string, locale: string): string {
  const group = key.startsWith('holiday:') ? 'holiday' : key === 'winback' ? 'winback' : 'birthday';
  return DEFAULTS[group][locale === 'en' ? 'en' : 'ru'];
}
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Placeholders a text uses that are not known ones (empty when the text is fine). */
export function unknownPlaceholders(body: string): string[] {
  const known = new Set<string>(PLACEHOLDERS);
  return [...body.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((p) => !known.has(p));
}

/** Fills the placeholders; one the caller did not supply becomes empty, never "{name}". */
export function renderTemplate(body: string, values: TemplateValues): string {
  return body
    .replace(PLACEHOLDER, (_, key: string) => {
      const value = values[key as Placeholder];
      return value === undefined ? '' : String(value);
    })
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

export function checkTemplate(body: string): string {
  const text = body.trim();
  if (text === '') throw new InvalidInputError('body', 'empty');
  if (text.length > MAX_TEMPLATE) throw new InvalidInputError('body', 'too-long');
  const unknown = unknownPlaceholders(text);
  if (unknown.length > 0)
    throw new InvalidInputError(
      'body',
      'unknown-placeholder',
      `unknown placeholders: ${unknown.join(', ')}`,
    );
  return text;
}

/** Greeting texts per key (`birthday`, `winback`, `holiday:<id>`) and language. */
export class TemplateService {
  constructor(private readonly db: Db) {}

  /** The text in the client's language, else Russian, else English. */
  async get(key: string, locale: string): Promise<string> {
    const rows = await this.db
      .selectFrom('message_templates')
      .select(['locale', 'body'])
      .where('key', '=', key)
      .execute();
    const pick = (l: string) => rows.find((r) => r.locale === l)?.body;
    const body = pick(locale) ?? pick('ru') ?? pick('en');
    if (body !== undefined) return body;
    if (!TEMPLATE_KEY.test(key)) throw new NotFoundError('template');
    return defaultTemplate(key, locale);
  }

  async save(key: string, locale: string, body: string, actor: Actor): Promise<void> {
    if (!(LOCALES as readonly string[]).includes(locale))
      throw new InvalidInputError('locale', 'invalid');
    if (!TEMPLATE_KEY.test(key)) throw new InvalidInputError('key', 'invalid');
    const text = checkTemplate(body);
    await this.db
      .insertInto('message_templates')
      .values({ key, locale, body: text })
      .onConflict((oc) =>
        oc.columns(['key', 'locale']).doUpdateSet({ body: text, updated_at: sql`now()` }),
      )
      .execute();
    await recordAudit(this.db, actor, {
      action: 'save-template',
      entity: 'message_template',
      entityId: null,
      details: { key, locale },
    });
  }

  /**
   * Back to the default text: the stored one is removed (audited); true if there was one.
   * Like save, it runs on the handle it was given: the caller opens the transaction.
   */
  async reset(key: string, locale: string, actor: Actor): Promise<boolean> {
    if (!(LOCALES as readonly string[]).includes(locale))
      throw new InvalidInputError('locale', 'invalid');
    if (!TEMPLATE_KEY.test(key)) throw new InvalidInputError('key', 'invalid');
    const removed = await this.db
      .deleteFrom('message_templates')
      .where('key', '=', key)
      .where('locale', '=', locale)
      .executeTakeFirst();
    if (removed.numDeletedRows === 0n) return false;
    await recordAudit(this.db, actor, {
      action: 'reset-template',
      entity: 'message_template',
      entityId: null,
      details: { key, locale },
    });
    return true;
  }
}

export interface TemplateEntry {
  key: string;
  /** The holiday's name for `holiday:<id>` keys. */
  holiday: string | null;
  locale: (typeof TEMPLATE_LOCALES)[number];
  body: string;
  /** False while the text is still the default one. */
  stored: boolean;
}

/** Every key (birthday, win-back, each holiday) in every language, stored or default. */
export async function listTemplates(db: Db): Promise<TemplateEntry[]> {
  const [rows, holidays] = await Promise.all([
    db.selectFrom('message_templates').select(['key', 'locale', 'body']).execute(),
    db.selectFrom('holidays').select(['id', 'name']).orderBy('month').orderBy('name').execute(),
  ]);
  const keys: [string, string | null][] = [
    ['birthday', null],
    ['winback', null],
    ...holidays.map((h): [string, string] => [`holiday:${h.id}`, h.name]),
  ];
  return keys.flatMap(([key, holiday]) =>
    TEMPLATE_LOCALES.map((locale) => {
      const row = rows.find((r) => r.key === key && r.locale === locale);
      return {
        key,
        holiday,
        locale,
        body: row?.body ?? defaultTemplate(key, locale),
        stored: row !== undefined,
      };
    }),
  );
}
