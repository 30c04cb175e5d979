import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { InvalidInputError, NotFoundError } from '../errors.js';

/** What a greeting may say about its client; anything else in braces is refused when saved. */
export const PLACEHOLDERS = ['name', 'discount', 'coupon', 'valid_until', 'branch'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Partial<Record<Placeholder, string | number>>;

export const MAX_TEMPLATE = 2000;
const LOCALES = ['ru', 'en'] as const;
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
  constructor(private readonly db: Kysely<Database>) {}

  /** The text in the client's language, else Russian, else English. */
  async get(key: string, locale: string): Promise<string> {
    const rows = await this.db
      .selectFrom('message_templates')
      .select(['locale', 'body'])
      .where('key', '=', key)
      .execute();
    const pick = (l: string) => rows.find((r) => r.locale === l)?.body;
    const body = pick(locale) ?? pick('ru') ?? pick('en');
    if (body === undefined) throw new NotFoundError('template');
    return body;
  }

  async save(key: string, locale: string, body: string, actor: Actor): Promise<void> {
    if (!(LOCALES as readonly string[]).includes(locale))
      throw new InvalidInputError('locale', 'invalid');
    if (!/^(birthday|winback|holiday:[0-9a-f-]{36})$/.test(key))
      throw new InvalidInputError('key', 'invalid');
    const text = checkTemplate(body);
    await this.db
      .insertInto('message_templates')
      .values({ key, locale, body: text })
      .onConflict((oc) =>
        oc.columns(['key', 'locale']).doUpdateSet({ body: text, updated_at: new Date() }),
      )
      .execute();
    await recordAudit(this.db, actor, {
      action: 'save-template',
      entity: 'message_template',
      entityId: null,
      details: { key, locale },
    });
  }
}
