import { DateTime } from 'luxon';
import type { Crypto } from '../../crypto/crypto.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { DomainError, InvalidInputError, NotFoundError } from '../errors.js';
import { enqueueMessage } from '../outbox/outbox.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import {
  checkTemplate,
  renderTemplate,
  TEMPLATE_KEY,
  TEMPLATE_LOCALES,
  type TemplateValues,
} from './templates.js';

/** The staff member has not linked their Telegram (Staff → Link code), so nothing can go. */
export class TelegramNotLinkedError extends DomainError {
  override name = 'TelegramNotLinkedError';
  constructor() {
    super('staff telegram not linked');
  }
}

/** Values a preview fills in: a made-up client, coupon and date, and the salon's first branch. */
export function sampleValues(
  locale: string,
  now: Date,
  values: { name?: string; branch?: string } = {},
): TemplateValues {
  const en = locale === 'en';
  return {
    name: values.name ?? (en ? 'Anna' : 'Анна'),
    discount: 10,
    coupon: 'XX-EXAMPLE',
    valid_until: DateTime.fromJSDate(now)
      .plus({ days: 14 })
      .setLocale(en ? 'en-GB' : 'ru')
      .toFormat('d MMMM'),
    branch: values.branch ?? (en ? 'Salon' : 'Салон'),
  };
}

async function firstBranch(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('branches')
    .select('name')
    .where('active', '=', true)
    .orderBy('created_at')
    .executeTakeFirst();
  return row?.name;
}

/** A text (checked as if saved) filled in with sample values, as a client would read it. */
export async function previewTemplate(
  db: Db,
  body: string,
  locale: string,
  now: Date,
): Promise<string> {
  const text = checkTemplate(body);
  const branch = await firstBranch(db);
  return renderTemplate(text, sampleValues(locale, now, branch ? { branch } : {}));
}

/**
 * Sends a greeting text to the staff member's own Telegram, through the outbox like any other
 * message, filled in with their name and sample values. A repeated press within ten seconds
 * sends nothing more.
 */
export async function sendTestGreeting(
  db: Db,
  crypto: Crypto,
  input: { staffId: string; key: string; locale: string; body: string; now: Date },
  actor: Actor,
): Promise<boolean> {
  if (!TEMPLATE_KEY.test(input.key)) throw new InvalidInputError('key', 'invalid');
  if (!(TEMPLATE_LOCALES as readonly string[]).includes(input.locale))
    throw new InvalidInputError('locale', 'invalid');
  const text = checkTemplate(input.body);
  const staff = await db
    .selectFrom('staff_users')
    .select(['id', 'display_name', 'telegram_user_id'])
    .where('id', '=', input.staffId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (!staff) throw new NotFoundError('staff_user');
  if (staff.telegram_user_id === null) throw new TelegramNotLinkedError();
  const branch = await firstBranch(db);
  const message = renderTemplate(
    text,
    sampleValues(input.locale, input.now, {
      name: staff.display_name,
      ...(branch ? { branch } : {}),
    }),
  );
  return inTransaction(db, async (tx) => {
    const added = await enqueueMessage(tx, crypto, {
      dedupeKey: `template-test:${staff.id}:${input.key}:${input.locale}:${Math.floor(input.now.getTime() / 10_000)}`,
      chatId: Number(staff.telegram_user_id),
      clientId: null,
      kind: 'template-test',
      message: { text: message },
    });
    if (added)
      await recordAudit(tx, actor, {
        action: 'send-test-template',
        entity: 'message_template',
        entityId: null,
        details: { key: input.key, locale: input.locale },
      });
    return added;
  });
}
