import type { Kysely } from 'kysely';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import type { Actor } from '../domain/actor.js';
import { DomainError } from '../domain/errors.js';
import { isUuid } from '../domain/shared/ids.js';
import type { StaffService } from '../domain/staff/staff-service.js';
import type { SandboxEvents } from './sandbox-events.js';
import {
  appendMessage,
  type ChatMessage,
  chatSince,
  enqueueUpdate,
  findMessage,
  findPersona,
  insertPersona,
  listPersonas,
  type Persona,
  readFile,
  type SandboxFile,
} from './sandbox-store.js';

/** Input the sandbox refuses; `code` keys the page's translated message. */
export class SandboxInputError extends DomainError {
  override name = 'SandboxInputError';
  constructor(
    readonly code:
      | 'name'
      | 'language'
      | 'text'
      | 'phone'
      | 'persona'
      | 'button'
      | 'link'
      | 'staff'
      | 'kind',
  ) {
    super(`sandbox input refused: ${code}`);
  }
}

/** How a new client persona arrives: plain /start, or a friend's or a source's deep link. */
export type Arrival =
  | { kind: 'plain' }
  | { kind: 'ref'; code: string }
  | { kind: 'src'; code: string };

const NAME_MAX = 64;
const TEXT_MAX = 4096;
const CODE = /^[A-Za-z0-9_-]{1,60}$/;
const PHONE = /^\+?[0-9][0-9 ()-]{4,24}$/;

/**
 * What a person does in the sandbox's web chat, as a persona: write, press, share a contact.
 * Each action becomes a line of the chat and a Telegram-shaped update for the bot's getUpdates.
 */
export class SandboxChat {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly crypto: Crypto,
    private readonly staff: StaffService,
    private readonly events: SandboxEvents,
  ) {}

  personas(): Promise<Persona[]> {
    return listPersonas(this.db, this.crypto);
  }

  async persona(id: number): Promise<Persona> {
    const persona = Number.isSafeInteger(id) ? await findPersona(this.db, this.crypto, id) : null;
    if (!persona) throw new SandboxInputError('persona');
    return persona;
  }

  /** A client persona who opens the bot as a newcomer would, by the link chosen. */
  async createClient(
    input: { name: string; language: string; arrival: Arrival },
    actor: Actor,
  ): Promise<Persona> {
    const name = input.name.trim();
    if (name === '' || name.length > NAME_MAX || /[\p{Cc}]/u.test(name))
      throw new SandboxInputError('name');
    const language = readLanguage(input.language);
    if (input.arrival.kind !== 'plain' && !CODE.test(input.arrival.code))
      throw new SandboxInputError('link');
    const persona = await insertPersona(this.db, this.crypto, {
      kind: 'client',
      name,
      language,
      staffUserId: null,
      createdBy: actor.id,
    });
    const start =
      input.arrival.kind === 'plain'
        ? '/start'
        : `/start ${input.arrival.kind}_${input.arrival.code}`;
    await this.send(persona.id, start);
    return persona;
  }

  /**
   * A master persona bound to a staff account the way a real master binds theirs: a one-time
   * link code made through the staff service (audited, role-checked), sent as `/start staff_…`.
   */
  async createMaster(
    input: { staffUserId: string; language: string },
    actor: Actor,
  ): Promise<Persona> {
    const language = readLanguage(input.language);
    const account = isUuid(input.staffUserId) ? await this.staff.getById(input.staffUserId) : null;
    if (!account?.active) throw new SandboxInputError('staff');
    const { code } = await this.staff.createLinkCode(account.email, actor);
    const persona = await insertPersona(this.db, this.crypto, {
      kind: 'master',
      name: account.displayName,
      language,
      staffUserId: account.id,
      createdBy: actor.id,
    });
    await this.send(persona.id, `/start staff_${code}`);
    return persona;
  }

  /** Text typed by the persona (a reply-keyboard button sends its label the same way). */
  async send(personaId: number, rawText: string): Promise<void> {
    const persona = await this.persona(personaId);
    const text = rawText.replace(/\r\n/g, '\n');
    if (text.trim() === '' || text.length > TEXT_MAX) throw new SandboxInputError('text');
    const saved = await appendMessage(this.db, this.crypto, persona.id, {
      fromBot: false,
      body: { kind: 'text', text },
      numbered: true,
    });
    const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
    await this.enqueue(persona, {
      message: {
        ...this.messageBase(persona, saved.messageId ?? 0, saved.at),
        text,
        ...(command
          ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] }
          : {}),
      },
    });
  }

  /** The persona shares their own contact, as the "share my number" button does. */
  async shareContact(personaId: number, rawPhone: string): Promise<void> {
    const persona = await this.persona(personaId);
    const phone = rawPhone.trim();
    if (!PHONE.test(phone)) throw new SandboxInputError('phone');
    const saved = await appendMessage(this.db, this.crypto, persona.id, {
      fromBot: false,
      body: { kind: 'contact', contact: { phone } },
      numbered: true,
    });
    await this.enqueue(persona, {
      message: {
        ...this.messageBase(persona, saved.messageId ?? 0, saved.at),
        contact: { phone_number: phone, first_name: persona.name, user_id: persona.id },
      },
    });
  }

  /** Presses an inline button; only a button the bot really put on that message can be pressed. */
  async press(personaId: number, messageId: number, data: string): Promise<void> {
    const persona = await this.persona(personaId);
    const message = Number.isInteger(messageId)
      ? await findMessage(this.db, this.crypto, persona.id, messageId)
      : null;
    const offered =
      message?.fromBot &&
      !message.deleted &&
      message.body.replyMarkup?.inline_keyboard?.some((row) =>
        row.some((b) => b.callback_data === data),
      );
    if (!message || !offered) throw new SandboxInputError('button');
    await this.enqueue(persona, (updateId) => ({
      callback_query: {
        id: `${persona.id}_${updateId}`,
        from: this.user(persona),
        chat_instance: String(persona.id),
        message: {
          message_id: messageId,
          date: Math.floor(message.at.getTime() / 1000),
          chat: { id: persona.id, type: 'private', first_name: persona.name },
          ...(message.body.text !== undefined ? { text: message.body.text } : {}),
          ...(message.body.caption !== undefined ? { caption: message.body.caption } : {}),
        },
        data,
      },
    }));
  }

  /** The chat's lines after `after`; waits up to `waitMs` for something new when there is nothing. */
  async chat(
    personaId: number,
    after: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<ChatMessage[]> {
    const persona = await this.persona(personaId);
    const since = /^\d{1,18}$/.test(after) ? after : '0';
    const version = this.events.chatVersion(persona.id);
    const lines = await chatSince(this.db, this.crypto, persona.id, since);
    if (lines.length > 0 || waitMs <= 0) return lines;
    // A change that came while we read would be missed by a wait that starts after it.
    if (this.events.chatVersion(persona.id) === version)
      await this.events.waitForChat(persona.id, waitMs, signal);
    return chatSince(this.db, this.crypto, persona.id, since);
  }

  async file(personaId: number, messageId: number): Promise<SandboxFile | null> {
    const persona = await this.persona(personaId);
    if (!Number.isInteger(messageId)) return null;
    return readFile(this.db, this.crypto, persona.id, messageId);
  }

  private user(persona: Persona) {
    return {
      id: persona.id,
      is_bot: false,
      first_name: persona.name,
      language_code: persona.language,
    };
  }

  private messageBase(persona: Persona, messageId: number, at: Date) {
    return {
      message_id: messageId,
      date: Math.floor(at.getTime() / 1000),
      chat: { id: persona.id, type: 'private', first_name: persona.name },
      from: this.user(persona),
    };
  }

  private async enqueue(
    persona: Persona,
    update: Record<string, unknown> | ((updateId: number) => Record<string, unknown>),
  ): Promise<void> {
    await enqueueUpdate(this.db, this.crypto, persona.id, (updateId) => ({
      update_id: updateId,
      ...(typeof update === 'function' ? update(updateId) : update),
    }));
    this.events.updateQueued();
    this.events.chatChanged(persona.id);
  }
}

function readLanguage(value: string): 'ru' | 'en' {
  if (value === 'ru' || value === 'en') return value;
  throw new SandboxInputError('language');
}
