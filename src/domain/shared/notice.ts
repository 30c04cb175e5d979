/**
 * A notice is what the domain wants someone told, as plain data: a message key with its
 * parameters, and buttons as intents. `queueNotice` renders it in the recipient's language and
 * puts it in the outbox in the caller's transaction, so it exists exactly when the change does.
 */
import type { Crypto } from '../../crypto/crypto.js';
import type { Translate } from '../messages/translate.js';
import { enqueueMessage, type OutboxMessage } from '../outbox/outbox.js';
import type { ButtonIntent } from './intents.js';
import type { Db } from './transaction.js';

export type NoticeParams = Record<string, string | number>;

/** Who hears it: a Telegram chat, the client it belongs to (null for staff), their language. */
export interface Recipient {
  chatId: number;
  clientId: string | null;
  locale: string;
}

/** A button: the key of its label (or a text no language changes, such as stars) and its meaning. */
export type NoticeButton =
  | { label: string; params?: NoticeParams; intent: ButtonIntent }
  | { text: string; intent: ButtonIntent };

export interface Notice {
  /** Unique per message meant to be sent once, e.g. `rate-ask:<visit>`. */
  dedupeKey: string;
  kind: string;
  to: Recipient;
  key: string;
  params?: NoticeParams;
  buttons?: NoticeButton[][];
  /** Clients a message to staff names (agendas, alerts): erasing one of them deletes it. */
  aboutClients?: string[];
}

export interface NoticeDeps {
  crypto: Crypto;
  translate: Translate;
}

/** The message a notice becomes in its recipient's language. */
export function renderNotice(translate: Translate, notice: Notice): OutboxMessage {
  const { locale } = notice.to;
  const message: OutboxMessage = { text: translate(locale, notice.key, notice.params) };
  if (notice.buttons?.length)
    message.buttons = notice.buttons.map((row) =>
      row.map((b) => ({
        text: 'text' in b ? b.text : translate(locale, b.label, b.params),
        intent: b.intent,
      })),
    );
  return message;
}

/** Queues a notice in the caller's transaction; false when its dedupe key was queued before. */
export async function queueNotice(db: Db, deps: NoticeDeps, notice: Notice): Promise<boolean> {
  return enqueueMessage(db, deps.crypto, {
    dedupeKey: notice.dedupeKey,
    chatId: notice.to.chatId,
    clientId: notice.to.clientId,
    kind: notice.kind,
    message: renderNotice(deps.translate, notice),
    ...(notice.aboutClients ? { aboutClients: notice.aboutClients } : {}),
  });
}
