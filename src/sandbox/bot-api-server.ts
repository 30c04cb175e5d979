import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UserFromGetMe } from 'grammy/types';
import type { Kysely } from 'kysely';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { type MultipartPart, parseMultipart } from './multipart.js';
import { isSandboxTelegramId } from './persona-ids.js';
import type { SandboxEvents } from './sandbox-events.js';
import {
  appendMessage,
  deleteMessage,
  editMessage,
  findPersona,
  type MessageBody,
  type ReplyMarkup,
  type SandboxFile,
  takeUpdates,
} from './sandbox-store.js';

type Json = Record<string, unknown>;

/** Telegram's own error shape and status, so grammY and auto-retry react as in production. */
class BotApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
  ) {
    super(description);
  }
}
const badRequest = (what: string) => new BotApiError(400, `Bad Request: ${what}`);

const JSON_LIMIT = 1024 * 1024;
/** Files the bot sends (QR cards, .ics, data exports) are small; this bounds a runaway one. */
const FILE_LIMIT = 10 * 1024 * 1024;
const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
const LONG_POLL_MAX_S = 50;

export const SANDBOX_BOT_INFO: UserFromGetMe = {
  id: 7_000_000_000,
  is_bot: true,
  first_name: 'Clientele (sandbox)',
  username: 'clientele_sandbox_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
} as UserFromGetMe;

export interface SandboxBotApi {
  /** What grammY takes as `client.apiRoot`. */
  readonly apiRoot: string;
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  close(): Promise<void>;
}

/**
 * The Telegram Bot API methods our bot and outbox use, served on loopback in this process and
 * kept in PostgreSQL: updates typed in the web chat wait in `sandbox_updates` for getUpdates;
 * what the bot sends becomes lines of the persona's chat. Only chats of sandbox personas exist.
 */
export async function startSandboxBotApi(deps: {
  db: Kysely<Database>;
  crypto: Crypto;
  events: SandboxEvents;
  logger: Logger;
}): Promise<SandboxBotApi> {
  const { db, crypto, events } = deps;
  const logger = deps.logger.child({ module: 'sandbox' });
  const token = `0:sandbox-${crypto.randomToken(24)}`;
  const closing = new AbortController();

  const chatOf = async (p: Json) => {
    const id = Number(p.chat_id);
    const persona = isSandboxTelegramId(id) ? await findPersona(db, crypto, id) : null;
    if (!persona) throw badRequest('chat not found');
    return persona;
  };
  const messageResult = (
    persona: { id: number; name: string },
    messageId: number,
    body: MessageBody,
    date: Date,
  ): Json => ({
    message_id: messageId,
    date: Math.floor(date.getTime() / 1000),
    chat: { id: persona.id, type: 'private', first_name: persona.name },
    from: SANDBOX_BOT_INFO,
    ...(body.text !== undefined ? { text: body.text } : {}),
    ...(body.caption !== undefined ? { caption: body.caption } : {}),
    ...(body.replyMarkup?.inline_keyboard
      ? { reply_markup: { inline_keyboard: body.replyMarkup.inline_keyboard } }
      : {}),
    ...(body.kind === 'photo' && body.file
      ? {
          photo: [
            {
              file_id: `sandbox-${persona.id}-${messageId}`,
              file_unique_id: `s${messageId}`,
              width: 0,
              height: 0,
              file_size: body.file.size,
            },
          ],
        }
      : {}),
    ...(body.kind === 'document' && body.file
      ? {
          document: {
            file_id: `sandbox-${persona.id}-${messageId}`,
            file_unique_id: `s${messageId}`,
            file_name: body.file.name,
            mime_type: body.file.mimeType,
            file_size: body.file.size,
          },
        }
      : {}),
  });

  async function send(method: string, p: Json): Promise<Json> {
    const persona = await chatOf(p);
    const markup = readMarkup(p.reply_markup);
    const parseMode = typeof p.parse_mode === 'string' ? p.parse_mode : undefined;
    let body: MessageBody;
    let file: SandboxFile | undefined;
    if (method === 'sendMessage') {
      const text = typeof p.text === 'string' ? p.text : '';
      if (text.trim() === '') throw badRequest('message text is empty');
      if (text.length > TEXT_LIMIT) throw badRequest('message is too long');
      body = { kind: 'text', text };
    } else {
      const field = method === 'sendPhoto' ? 'photo' : 'document';
      const upload = p[field];
      if (!isUpload(upload))
        throw badRequest(`there is no ${field} in the request (the sandbox takes uploads only)`);
      const caption = typeof p.caption === 'string' ? p.caption : undefined;
      if (caption && caption.length > CAPTION_LIMIT)
        throw badRequest('message caption is too long');
      file = upload;
      body = {
        kind: field,
        ...(caption ? { caption } : {}),
        file: { name: upload.name, mimeType: upload.mimeType, size: upload.bytes.length },
      };
    }
    if (parseMode) body.parseMode = parseMode;
    if (markup) body.replyMarkup = markup;
    const saved = await appendMessage(db, crypto, persona.id, {
      fromBot: true,
      body,
      ...(file ? { file } : {}),
      numbered: true,
    });
    events.chatChanged(persona.id);
    return messageResult(persona, saved.messageId ?? 0, body, saved.at);
  }

  async function edit(method: string, p: Json): Promise<Json> {
    const persona = await chatOf(p);
    const messageId = Number(p.message_id);
    if (!Number.isInteger(messageId)) throw badRequest('message identifier is not specified');
    const markup = readMarkup(p.reply_markup);
    if (method === 'editMessageText') {
      const text = typeof p.text === 'string' ? p.text : '';
      if (text.trim() === '') throw badRequest('message text is empty');
      if (text.length > TEXT_LIMIT) throw badRequest('message is too long');
    }
    const changed = await editMessage(db, crypto, persona.id, messageId, (old) => {
      const next: MessageBody = { ...old };
      if (method === 'editMessageText') {
        next.text = String(p.text);
        if (typeof p.parse_mode === 'string') next.parseMode = p.parse_mode;
        else delete next.parseMode;
      }
      // Telegram drops an inline keyboard that an edit does not repeat.
      if (markup?.inline_keyboard) next.replyMarkup = { inline_keyboard: markup.inline_keyboard };
      else delete next.replyMarkup;
      return next;
    });
    if (!changed?.fromBot) throw badRequest('message to edit not found');
    events.chatChanged(persona.id);
    return messageResult(persona, messageId, changed.body, changed.at);
  }

  async function getUpdates(p: Json): Promise<Json[]> {
    const offset = Number(p.offset ?? 0) || 0;
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100) || 100));
    const timeout = Math.min(LONG_POLL_MAX_S, Math.max(0, Number(p.timeout ?? 0) || 0));
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      const version = events.updateVersion;
      const batch = await takeUpdates(db, crypto, offset, limit);
      if (batch.length > 0 || Date.now() >= deadline || closing.signal.aborted) return batch;
      // An update queued while we read would be missed by a wait that starts after it.
      if (events.updateVersion === version)
        await events.waitForUpdate(deadline - Date.now(), closing.signal);
    }
  }

  async function method(name: string, p: Json): Promise<unknown> {
    switch (name) {
      case 'getMe':
        return SANDBOX_BOT_INFO;
      case 'getUpdates':
        return getUpdates(p);
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
        return send(name, p);
      case 'editMessageText':
      case 'editMessageReplyMarkup':
        return edit(name, p);
      case 'answerCallbackQuery': {
        const [persona] = String(p.callback_query_id ?? '').split('_');
        const id = Number(persona);
        if (!isSandboxTelegramId(id) || !(await findPersona(db, crypto, id)))
          throw badRequest('query is too old and response timeout expired or query ID is invalid');
        const text = typeof p.text === 'string' ? p.text.slice(0, 200) : '';
        if (text) {
          await appendMessage(db, crypto, id, {
            fromBot: true,
            body: { kind: 'toast', text },
            numbered: false,
          });
          events.chatChanged(id);
        }
        return true;
      }
      case 'deleteMessage': {
        const persona = await chatOf(p);
        if (!(await deleteMessage(db, crypto, persona.id, Number(p.message_id))))
          throw badRequest('message to delete not found');
        events.chatChanged(persona.id);
        return true;
      }
      case 'sendChatAction':
        await chatOf(p);
        return true;
      case 'setMyCommands':
      case 'deleteMyCommands':
      case 'setChatMenuButton':
      case 'deleteWebhook':
      case 'close':
      case 'logOut':
        return true;
      case 'getWebhookInfo':
        return { url: '', has_custom_certificate: false, pending_update_count: 0 };
      case 'setWebhook':
        throw badRequest('the sandbox delivers updates by getUpdates only');
      default:
        return undefined;
    }
  }

  const server = http.createServer((req, res) => {
    const reply = (status: number, body: Json) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url?.split('?')[0] ?? '');
    if (!match) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    if (!crypto.equalSecrets(match[1] ?? '', token))
      return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const name = match[2] ?? '';
    readParams(req)
      .then((params) => method(name, params))
      .then((result) => {
        if (result === undefined)
          return reply(404, {
            ok: false,
            error_code: 404,
            description: 'Not Found: method not found',
          });
        reply(200, { ok: true, result });
      })
      .catch((err: unknown) => {
        if (err instanceof BotApiError)
          return reply(err.status, {
            ok: false,
            error_code: err.status,
            description: err.description,
          });
        logger.error(
          { method: name, error: err instanceof Error ? err.name : 'error' },
          'sandbox Bot API call failed',
        );
        reply(500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, 'sandbox Bot API listening on loopback');

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botInfo: SANDBOX_BOT_INFO,
    async close() {
      closing.abort();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function isUpload(value: unknown): value is SandboxFile {
  return (
    typeof value === 'object' && value !== null && Buffer.isBuffer((value as SandboxFile).bytes)
  );
}

function readMarkup(value: unknown): ReplyMarkup | undefined {
  let markup = value;
  if (typeof markup === 'string') {
    try {
      markup = JSON.parse(markup);
    } catch {
      throw badRequest("can't parse reply keyboard markup JSON object");
    }
  }
  if (markup === undefined || markup === null) return undefined;
  if (typeof markup !== 'object') throw badRequest("can't parse reply keyboard markup JSON object");
  return markup as ReplyMarkup;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  ics: 'text/calendar',
  json: 'application/json',
  pdf: 'application/pdf',
  txt: 'text/plain',
};

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BotApiError(413, 'Request Entity Too Large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** JSON bodies, or multipart ones with files (grammY's InputFile), parsed by Node's own fetch. */
async function readParams(req: http.IncomingMessage): Promise<Json> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const body = await readBody(req, FILE_LIMIT);
    let parts: MultipartPart[];
    try {
      parts = parseMultipart(body, type);
    } catch {
      throw badRequest('malformed multipart request');
    }
    const params: Json = {};
    const files = new Map<string, SandboxFile>();
    for (const part of parts) {
      if (part.filename === undefined) params[part.name] = part.data.toString('utf8');
      else {
        const name = part.filename || 'file';
        const ext = name.split('.').pop()?.toLowerCase() ?? '';
        files.set(part.name, {
          name,
          mimeType: MIME_BY_EXTENSION[ext] ?? part.contentType ?? 'application/octet-stream',
          bytes: Buffer.from(part.data),
        });
      }
    }
    // grammY sends `document: "attach://<id>"` and the file under that id.
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === 'string' && value.startsWith('attach://'))
        params[key] = files.get(value.slice(9));
    }
    for (const [key, file] of files) if (!(key in params)) params[key] = file;
    return params;
  }
  const body = await readBody(req, JSON_LIMIT);
  if (body.length === 0) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Json) : {};
  } catch {
    throw badRequest('malformed JSON');
  }
}
