import type { Crypto } from '../../crypto/crypto.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { InvalidInputError } from '../errors.js';
import { isUuid } from '../shared/ids.js';
import type { Tx } from '../shared/transaction.js';

/**
 * A greeting that already went out (birthday, holiday or win-back), with the coupon it carried:
 * for a salon's history brought in at once (the demo salon, a migration).
 */
export interface SentGreeting {
  /** 'birthday', 'winback' or 'holiday:<id>', as GreetingService names them. */
  greeting: string;
  occurrence: string;
  clientId: string;
  chatId: number;
  sentAt: Date;
  text: string;
  coupon: {
    id: string;
    /** Made with newCouponCode by the caller, since the text quotes it. */
    code: string;
    kind: 'birthday' | 'winback';
    percent: number;
    validUntil: Date;
  } | null;
}

const BATCH = 500;
const GREETING_KINDS = ['birthday', 'winback', 'holiday'] as const;

/** Where enqueueMessage encrypts a payload, so the outbox screen reads these the same way. */
function outboxPlace(dedupeKey: string) {
  return { table: 'outbox', column: 'payload_enc', rowId: dedupeKey };
}

function check(g: SentGreeting, index: number): void {
  const bad = (field: string, code = 'invalid'): never => {
    throw new InvalidInputError(field, code, `greeting ${index}: ${field}: ${code}`);
  };
  const kind = g.greeting.split(':')[0] ?? '';
  if (!(GREETING_KINDS as readonly string[]).includes(kind)) bad('greeting');
  if (kind === 'holiday' && !isUuid(g.greeting.slice('holiday:'.length))) bad('greeting');
  if (g.occurrence.trim() === '' || g.occurrence.length > 100) bad('occurrence');
  if (!isUuid(g.clientId)) bad('clientId');
  if (!(Number.isSafeInteger(g.chatId) && g.chatId > 0)) bad('chatId');
  if (Number.isNaN(g.sentAt.getTime())) bad('sentAt');
  if (g.text.trim() === '') bad('text', 'empty');
  if (g.coupon) {
    if (!isUuid(g.coupon.id)) bad('coupon');
    if (!/^(BD|WB)-[A-Z0-9]{8}$/.test(g.coupon.code)) bad('code');
    if (!(g.coupon.percent > 0 && g.coupon.percent <= 100)) bad('percent');
    if (!(g.coupon.validUntil > g.sentAt)) bad('validUntil');
  }
}

/**
 * Records sent greetings in the caller's transaction as GreetingService would have: one
 * greeting_messages row per client and occurrence (the same uniqueness), the coupon issued with
 * it, and the message in the outbox, encrypted, already sent. One audit entry per call.
 */
export async function recordSentGreetings(
  tx: Tx,
  crypto: Crypto,
  greetings: readonly SentGreeting[],
  actor: Actor,
): Promise<number> {
  greetings.forEach(check);
  for (let from = 0; from < greetings.length; from += BATCH) {
    const batch = greetings.slice(from, from + BATCH);
    const coupons = batch.flatMap((g) =>
      g.coupon
        ? [
            {
              id: g.coupon.id,
              code: g.coupon.code,
              client_id: g.clientId,
              kind: g.coupon.kind,
              percent: g.coupon.percent,
              valid_from: g.sentAt,
              valid_until: g.coupon.validUntil,
              created_at: g.sentAt,
            },
          ]
        : [],
    );
    if (coupons.length > 0) await tx.insertInto('coupons').values(coupons).execute();
    await tx
      .insertInto('greeting_messages')
      .values(
        batch.map((g) => ({
          greeting: g.greeting,
          occurrence: g.occurrence,
          client_id: g.clientId,
          coupon_id: g.coupon?.id ?? null,
          sent_at: g.sentAt,
        })),
      )
      .execute();
    await tx
      .insertInto('outbox')
      .values(
        batch.map((g) => {
          const dedupeKey = `greeting:${g.greeting}:${g.occurrence}:${g.clientId}`;
          return {
            dedupe_key: dedupeKey,
            chat_id: g.chatId,
            client_id: g.clientId,
            kind: g.greeting.split(':')[0] ?? g.greeting,
            payload_enc: crypto.encryptSystem(
              outboxPlace(dedupeKey),
              JSON.stringify({ text: g.text }),
            ),
            status: 'sent' as const,
            attempts: 1,
            not_before: g.sentAt,
            created_at: g.sentAt,
            sent_at: g.sentAt,
          };
        }),
      )
      .execute();
  }
  await recordAudit(tx, actor, {
    action: 'import-history',
    entity: 'greeting_message',
    entityId: null,
    details: { count: greetings.length },
  });
  return greetings.length;
}

/** Messages queued while history was written, marked as sent when they would have gone out. */
export async function markSentInHistory(
  tx: Tx,
  sent: readonly { dedupeKey: string; at: Date }[],
): Promise<number> {
  let marked = 0;
  for (const s of sent) {
    const row = await tx
      .updateTable('outbox')
      .set({ status: 'sent', attempts: 1, not_before: s.at, sent_at: s.at })
      .where('dedupe_key', '=', s.dedupeKey)
      .where('status', '=', 'pending')
      .returning('id')
      .executeTakeFirst();
    if (row) marked++;
  }
  return marked;
}
