import type { AdminPage } from 'adminjs';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Crypto } from '../../../crypto/crypto.js';
import type { Database } from '../../../db/schema.js';
import { InvalidInputError } from '../../../domain/errors.js';
import {
  listTemplates,
  MAX_TEMPLATE,
  PLACEHOLDERS,
  TemplateService,
  unknownPlaceholders,
} from '../../../domain/greetings/templates.js';
import {
  previewTemplate,
  sendTestGreeting,
  TelegramNotLinkedError,
} from '../../../domain/greetings/test-greeting.js';
import { inTransaction } from '../../../domain/shared/transaction.js';
import { Components } from '../components/loader.js';
import { readRequest } from '../request-schema.js';
import { adminPage, type FieldError, isPost, pageUser, refuse, staffActor } from './page-input.js';

export const TEMPLATES_PAGE = 'templates';
/** A text longer than this is not even read: far above the limit, and never echoed back. */
const MAX_POSTED = 100_000;

const postSchema = z.object({
  op: z.enum(['save', 'preview', 'reset', 'test']),
  key: z.string().max(100),
  locale: z.string().max(10),
  body: z.string().optional(),
});

/** Why the domain refused a text, as the page's message key with its values. */
function refusal(err: InvalidInputError, body: string): FieldError {
  if (err.code === 'empty') return { key: 'empty' };
  if (err.code === 'too-long')
    return { key: 'tooLong', params: { n: body.trim().length, max: MAX_TEMPLATE } };
  if (err.code === 'unknown-placeholder')
    return {
      key: 'unknown',
      params: {
        list: unknownPlaceholders(body.trim())
          .slice(0, 10)
          .map((p) => `{${p.slice(0, 40)}}`)
          .join(', '),
        allowed: PLACEHOLDERS.map((p) => `{${p}}`).join(', '),
      },
    };
  return { key: 'badRequest' };
}

/**
 * Greeting texts per key and language: edit with the placeholder check, a live preview with
 * sample values, back to the default text, and a test to one's own Telegram through the outbox.
 */
export function templatesPage(deps: {
  db: Kysely<Database>;
  crypto: Crypto;
  now?: () => Date;
}): AdminPage {
  const now = () => deps.now?.() ?? new Date();

  async function texts() {
    const entries = await listTemplates(deps.db);
    const keys = [...new Set(entries.map((e) => e.key))];
    return {
      placeholders: [...PLACEHOLDERS],
      maxLength: MAX_TEMPLATE,
      groups: keys.map((key) => {
        const own = entries.filter((e) => e.key === key);
        return {
          key,
          kind: key.startsWith('holiday:') ? 'holiday' : key,
          holiday: own[0]?.holiday ?? null,
          texts: own.map((e) => ({ locale: e.locale, body: e.body, stored: e.stored })),
        };
      }),
    };
  }

  return adminPage(Components.Templates, 'Edit', async (request, reply, context) => {
    const user = pageUser(TEMPLATES_PAGE, request, context);
    if (!isPost(request)) return texts();
    const read = readRequest(postSchema, request.payload);
    if ('errors' in read) return refuse(reply, 400, read);
    const { op, key, locale } = read.data;
    const body = read.data.body ?? '';
    // Only the texts the page lists can be posted.
    const known = (await listTemplates(deps.db)).some((e) => e.key === key && e.locale === locale);
    if (!known) return refuse(reply, 400, { errors: { key: { key: 'badRequest' } } });
    if (body.length > MAX_POSTED)
      return refuse(reply, 400, {
        errors: { body: { key: 'tooLong', params: { n: body.length, max: MAX_TEMPLATE } } },
      });
    const actor = staffActor(user, request);
    try {
      if (op === 'preview') return { preview: await previewTemplate(deps.db, body, locale, now()) };
      if (op === 'test') {
        const sent = await sendTestGreeting(
          deps.db,
          deps.crypto,
          { staffId: user.id, key, locale, body, now: now() },
          actor,
        );
        return { notice: sent ? 'sent' : 'again' };
      }
      // The text and its audit line land together.
      await inTransaction(deps.db, (tx) => {
        const templates = new TemplateService(tx);
        return op === 'save'
          ? templates.save(key, locale, body, actor)
          : templates.reset(key, locale, actor).then(() => undefined);
      });
      return { notice: op === 'save' ? 'saved' : 'reset', ...(await texts()) };
    } catch (err) {
      if (err instanceof InvalidInputError)
        return refuse(reply, 400, { errors: { body: refusal(err, body) } });
      if (err instanceof TelegramNotLinkedError)
        return refuse(reply, 409, { errors: { body: { key: 'notLinked' } } });
      throw err;
    }
  });
}
