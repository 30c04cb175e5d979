import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

/**
 * A fake Telegram Bot API server that grammY talks to over HTTP (`client.apiRoot`), with
 * scripted users who send messages, share contacts and press buttons, and read what the bot
 * sent. It answers like Telegram: `{ ok, result }` or `{ ok: false, error_code, description }`.
 */

type Json = Record<string, unknown>;
export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}
export interface ReplyMarkup {
  inline_keyboard?: InlineButton[][];
  keyboard?: { text: string; request_contact?: boolean }[][];
  remove_keyboard?: boolean;
}
export interface SentFile {
  file_name: string;
  mime_type: string;
  bytes: Buffer;
}
export interface BotMessage {
  message_id: number;
  chat_id: number;
  method: string;
  text?: string;
  caption?: string;
  reply_markup?: ReplyMarkup;
  document?: SentFile;
  photo?: SentFile;
  edited: boolean;
}
export interface ApiCall {
  method: string;
  params: Json;
  at: number;
  /** False when the call was refused or left unanswered by an outage (outage()). */
  served?: boolean;
}
export interface TelegramError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
}

const BOT_ID = 7_000_000_001;

export function buttons(message: BotMessage | undefined): string[][] {
  return (message?.reply_markup?.inline_keyboard ?? []).map((row) => row.map((b) => b.text));
}

export class FakeUser {
  readonly messages: BotMessage[] = [];
  readonly callbackAnswers: Json[] = [];
  private consumed = 0;
  private waiters: (() => void)[] = [];
  private readonly answerWaiters = new Set<() => void>();
  private nextMessageId = 1;

  constructor(
    private readonly api: FakeBotApi,
    readonly info: {
      id: number;
      first_name: string;
      last_name?: string;
      username?: string;
      language_code?: string;
    },
  ) {}

  get id(): number {
    return this.info.id;
  }

  get lastMessage(): BotMessage | undefined {
    return this.messages.at(-1);
  }

  private baseMessage(): Json {
    return {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: this.id, type: 'private', first_name: this.info.first_name },
      from: { ...this.info, is_bot: false },
    };
  }

  send(text: string): number {
    const message: Json = { ...this.baseMessage(), text };
    const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
    if (command) message.entities = [{ type: 'bot_command', offset: 0, length: command[0].length }];
    return this.api.enqueue({ message });
  }

  sendSticker(): number {
    return this.api.enqueue({
      message: {
        ...this.baseMessage(),
        sticker: {
          file_id: 'sticker',
          file_unique_id: 's',
          width: 1,
          height: 1,
          is_animated: false,
          is_video: false,
          type: 'regular',
        },
      },
    });
  }

  shareContact(contact: { phone_number: string; user_id?: number; first_name?: string }): number {
    return this.api.enqueue({
      message: {
        ...this.baseMessage(),
        contact: { first_name: this.info.first_name, user_id: this.id, ...contact },
      },
    });
  }

  /** Presses an inline button (by text or callback data) in the newest message that has it. */
  click(label: string, options: { message?: BotMessage } = {}): number {
    const candidates = options.message ? [options.message] : [...this.messages].reverse();
    for (const message of candidates) {
      const button = message.reply_markup?.inline_keyboard
        ?.flat()
        .find((b) => b.text === label || b.callback_data === label);
      if (button?.callback_data !== undefined) {
        return this.api.enqueue({
          callback_query: {
            id: String(this.api.nextCallbackId(this.id)),
            from: { ...this.info, is_bot: false },
            chat_instance: String(this.id),
            message: {
              message_id: message.message_id,
              date: 0,
              chat: { id: this.id, type: 'private' },
              text: message.text ?? '',
            },
            data: button.callback_data,
          },
        });
      }
    }
    const seen = this.messages.slice(-3).map((m) => JSON.stringify(buttons(m)));
    throw new Error(
      `no inline button '${label}' in the bot's messages; last keyboards: ${seen.join(' ')}`,
    );
  }

  /** Presses an inline button and waits for the bot's answer to that press (its toast). */
  async clickForAnswer(
    label: string,
    options: { message?: BotMessage; timeoutMs?: number } = {},
  ): Promise<Json> {
    const before = this.callbackAnswers.length;
    this.click(label, options);
    const timeoutMs = options.timeoutMs ?? 5000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answerWaiters.delete(check);
        reject(new Error(`no answer to the press of '${label}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (this.callbackAnswers.length <= before) return;
        clearTimeout(timer);
        this.answerWaiters.delete(check);
        resolve();
      };
      this.answerWaiters.add(check);
      check();
    });
    return this.callbackAnswers[before] ?? {};
  }

  /** @internal called by the server when the bot answers one of this user's presses */
  answered(answer: Json): void {
    this.callbackAnswers.push(answer);
    for (const check of [...this.answerWaiters]) check();
  }

  /** Sends a reply-keyboard button's text, after checking the keyboard offers it. */
  pressReply(label: string): number {
    const keyboard = [...this.messages]
      .reverse()
      .find((m) => m.reply_markup?.keyboard || m.reply_markup?.remove_keyboard);
    const button = keyboard?.reply_markup?.keyboard?.flat().find((b) => b.text === label);
    if (!button) throw new Error(`no reply button '${label}' on the current keyboard`);
    if (button.request_contact) throw new Error(`'${label}' shares a contact: use shareContact()`);
    return this.send(label);
  }

  /** @internal called by the server when the bot sends to this chat */
  deliver(message: BotMessage): void {
    this.messages.push(message);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The next message the bot sent to this chat that the test has not read yet. */
  async nextReply(options: { timeoutMs?: number } = {}): Promise<BotMessage> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    while (this.consumed >= this.messages.length) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const recent = this.messages
          .slice(-3)
          .map((m) => JSON.stringify(m.text ?? m.caption ?? m.method));
        throw new Error(
          `no reply from the bot to user ${this.id} within ${options.timeoutMs ?? 5000} ms; last messages: ${recent.join(', ') || 'none'}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const message = this.messages[this.consumed++];
    if (!message) throw new Error('unreachable');
    return message;
  }

  async replies(n: number, options: { timeoutMs?: number } = {}): Promise<BotMessage[]> {
    const out: BotMessage[] = [];
    for (let i = 0; i < n; i++) out.push(await this.nextReply(options));
    return out;
  }

  /**
   * Waits `ms` and checks nothing came meanwhile: only for an absence no event can settle (an
   * update the bot never receives). Prefer expectNothingMore or expectNoReplyYet.
   */
  async expectNoReply(ms = 300): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    this.expectNoReplyYet();
  }

  /** Checks, at once, that nothing unread came: after awaiting what would have sent it. */
  expectNoReplyYet(): void {
    if (this.consumed < this.messages.length) {
      throw new Error(`unexpected reply: ${JSON.stringify(this.messages[this.consumed]?.text)}`);
    }
  }

  /**
   * Proves the bot sent this chat nothing more, without a fixed wait: /language goes in as a
   * sentinel, and as the bot keeps one chat's updates in order, its answer (the language picker)
   * comes only after every earlier update was handled — so it must be the very next reply.
   * Not inside a conversation, which would take the sentinel as its own input.
   */
  async expectNothingMore(options: { timeoutMs?: number } = {}): Promise<void> {
    this.send('/language');
    const next = await this.nextReply(options);
    const picker = next.reply_markup?.inline_keyboard?.flat().some((b) => b.text === 'English');
    if (!picker) throw new Error(`unexpected reply: ${JSON.stringify(next.text)}`);
  }
}

export class FakeBotApi {
  readonly calls: ApiCall[] = [];
  readonly botInfo = {
    id: BOT_ID,
    is_bot: true as const,
    first_name: 'Clientele Test',
    username: 'clientele_test_bot',
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
  webhook: { url: string; secret_token?: string } | undefined;
  private server!: http.Server;
  private updates: Json[] = [];
  private delivered = new Map<number, Json>();
  private nextUpdateId = 100_000;
  private callbackId = 1;
  private callbackOwners = new Map<string, number>();
  private users = new Map<number, FakeUser>();
  private nextUserId = 10_001;
  private messageIds = new Map<number, number>();
  private failures: { method: string; error: TelegramError; times: number }[] = [];
  private blocked = new Set<number>();
  private pollers: (() => void)[] = [];
  private deliverUrl: { url: string; secret?: string } | undefined;
  private closed = false;
  private down: 'errors' | 'silent' | undefined;

  constructor(readonly token: string) {}

  /**
   * Telegram away: every call answered 502 ('errors') or never answered ('silent': the request
   * hangs until the client gives up); undefined ends it. Calls are still recorded, as not served.
   */
  outage(mode: 'errors' | 'silent' | undefined): void {
    // Requests left unanswered stay so after it ends, as on a lost connection: the client times out.
    this.down = mode;
  }

  get apiRoot(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res
          .writeHead(500)
          .end(JSON.stringify({ ok: false, error_code: 500, description: String(err) }));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.pollers.splice(0)) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  user(
    info: {
      id?: number;
      first_name?: string;
      last_name?: string;
      username?: string;
      language_code?: string;
    } = {},
  ): FakeUser {
    const id = info.id ?? this.nextUserId++;
    const user = new FakeUser(this, { first_name: 'Test', ...info, id });
    this.users.set(id, user);
    return user;
  }

  nextCallbackId(userId: number): number {
    const id = this.callbackId++;
    this.callbackOwners.set(String(id), userId);
    return id;
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Makes the next `times` calls of `method` fail as Telegram would. */
  failNext(method: string, error: TelegramError, times = 1): void {
    this.failures.push({ method, error, times });
  }

  blockBy(userId: number): void {
    this.blocked.add(userId);
  }

  unblock(userId: number): void {
    this.blocked.delete(userId);
  }

  /** Posts updates to a webhook instead of queueing them for getUpdates. */
  deliverTo(url: string, secret?: string): void {
    this.deliverUrl = { url, ...(secret ? { secret } : {}) };
  }

  lastWebhookStatus: number | undefined;

  enqueue(partial: Json): number {
    const update = { update_id: this.nextUpdateId++, ...partial };
    this.push(update);
    return update.update_id;
  }

  rawUpdate(update: Json): void {
    this.push(update);
  }

  /** Sends an already delivered update again, as Telegram does after a timeout. */
  redeliver(updateId: number): void {
    const update = this.delivered.get(updateId);
    if (!update) throw new Error(`update ${updateId} was never delivered`);
    this.push(update);
  }

  private push(update: Json): void {
    if (this.deliverUrl) {
      const { url, secret } = this.deliverUrl;
      void fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}),
        },
        body: JSON.stringify(update),
      }).then((r) => {
        this.lastWebhookStatus = r.status;
        this.delivered.set(update.update_id as number, update);
      });
      return;
    }
    this.updates.push(update);
    for (const wake of this.pollers.splice(0)) wake();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const reply = (status: number, body: Json) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!match) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    const token = match[1];
    const method = match[2] ?? '';
    if (token !== this.token)
      return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const params = await readParams(req);
    if (this.down) {
      this.calls.push({ method, params, at: Date.now(), served: false });
      if (this.down === 'errors')
        return reply(502, { ok: false, error_code: 502, description: 'Bad Gateway' });
      return;
    }
    this.calls.push({ method, params, at: Date.now() });
    const failure = this.failures.find((f) => f.method === method && f.times > 0);
    if (failure) {
      failure.times--;
      return reply(failure.error.error_code, { ok: false, ...failure.error });
    }
    const chatId = Number(params.chat_id);
    if (this.blocked.has(chatId) && method.startsWith('send')) {
      return reply(403, {
        ok: false,
        error_code: 403,
        description: 'Forbidden: bot was blocked by the user',
      });
    }
    const result = await this.method(method, params);
    if (result === undefined)
      return reply(404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    reply(200, { ok: true, result });
  }

  private async method(method: string, p: Json): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return this.botInfo;
      case 'getUpdates':
        return this.getUpdates(p);
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
        return this.send(method, p);
      case 'editMessageText':
      case 'editMessageReplyMarkup':
        return this.edit(method, p);
      case 'answerCallbackQuery':
        this.users.get(this.callbackOwners.get(String(p.callback_query_id)) ?? 0)?.answered(p);
        return true;
      case 'deleteMessage':
      case 'sendChatAction':
      case 'setMyCommands':
      case 'deleteMyCommands':
      case 'close':
      case 'logOut':
        return true;
      case 'deleteWebhook':
        this.webhook = undefined;
        return true;
      case 'setWebhook':
        this.webhook = {
          url: String(p.url),
          ...(p.secret_token ? { secret_token: String(p.secret_token) } : {}),
        };
        return true;
      case 'getWebhookInfo':
        return {
          url: this.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.updates.length,
        };
      default:
        return undefined;
    }
  }

  private async getUpdates(p: Json): Promise<Json[]> {
    const offset = Number(p.offset ?? 0);
    if (offset) this.updates = this.updates.filter((u) => (u.update_id as number) >= offset);
    const timeout = Number(p.timeout ?? 0);
    if (this.updates.length === 0 && timeout > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeout * 1000);
        this.pollers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const batch = this.updates.slice(0, Number(p.limit ?? 100));
    for (const u of batch) this.delivered.set(u.update_id as number, u);
    return batch;
  }

  private send(method: string, p: Json): Json {
    const chatId = Number(p.chat_id);
    const id = (this.messageIds.get(chatId) ?? 0) + 1;
    this.messageIds.set(chatId, id);
    const markup = parseMaybe(p.reply_markup) as ReplyMarkup | undefined;
    const message: BotMessage = {
      message_id: id,
      chat_id: chatId,
      method,
      edited: false,
      ...(typeof p.text === 'string' ? { text: p.text } : {}),
      ...(typeof p.caption === 'string' ? { caption: p.caption } : {}),
      ...(markup ? { reply_markup: markup } : {}),
      ...(method === 'sendDocument' ? { document: p.document as SentFile } : {}),
      ...(method === 'sendPhoto' ? { photo: p.photo as SentFile } : {}),
    };
    this.users.get(chatId)?.deliver(message);
    return {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: 'private' },
      from: this.botInfo,
      ...(message.text ? { text: message.text } : {}),
      ...(message.caption ? { caption: message.caption } : {}),
      ...(markup ? { reply_markup: markup } : {}),
    };
  }

  private edit(method: string, p: Json): Json {
    const chatId = Number(p.chat_id);
    const user = this.users.get(chatId);
    const old = user?.messages.find((m) => m.message_id === Number(p.message_id));
    const markup = parseMaybe(p.reply_markup) as ReplyMarkup | undefined;
    const message: BotMessage = {
      message_id: Number(p.message_id),
      chat_id: chatId,
      method,
      edited: true,
      ...(typeof p.text === 'string' ? { text: p.text } : old?.text ? { text: old.text } : {}),
      ...(markup ? { reply_markup: markup } : {}),
    };
    user?.deliver(message);
    return {
      message_id: message.message_id,
      date: 0,
      chat: { id: chatId, type: 'private' },
      text: message.text ?? '',
    };
  }
}

function parseMaybe(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

async function readParams(req: http.IncomingMessage): Promise<Json> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      const params: Json = {};
      const bb = busboy({ headers: req.headers });
      const files = new Map<string, SentFile>();
      bb.on('field', (name, value) => {
        params[name] = value;
      });
      bb.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () =>
          files.set(name, {
            file_name: info.filename ?? '',
            mime_type: info.mimeType,
            bytes: Buffer.concat(chunks),
          }),
        );
      });
      bb.on('close', () => {
        // grammY sends `document: "attach://<id>"` and the file under that id.
        for (const [key, value] of Object.entries(params)) {
          if (typeof value === 'string' && value.startsWith('attach://'))
            params[key] = files.get(value.slice(9));
        }
        resolve(params);
      });
      bb.on('error', reject);
      req.pipe(bb);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString();
  return body ? (JSON.parse(body) as Json) : {};
}

export async function startFakeBotApi(options: { token?: string } = {}): Promise<FakeBotApi> {
  const api = new FakeBotApi(options.token ?? '123456789:TEST-token_for-the-fake-bot-api');
  await api.listen();
  return api;
}
