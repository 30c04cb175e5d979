import type { SandboxChat } from '../../src/sandbox/sandbox-chat.js';
import type { ChatMessage } from '../../src/sandbox/sandbox-store.js';

/** Reads one persona's sandbox chat as the bot writes it, through the product's own chat API. */
export class SandboxReader {
  private cursor = '0';
  private pending: ChatMessage[] = [];
  readonly seen: ChatMessage[] = [];

  constructor(
    readonly chat: SandboxChat,
    readonly personaId: number,
  ) {}

  /** The next line the bot wrote (a message, an edit or a toast), waiting up to `timeoutMs`. */
  async next(timeoutMs = 8000): Promise<ChatMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.pending.shift();
      if (line) {
        this.seen.push(line);
        if (line.fromBot) return line;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const recent = this.seen.slice(-3).map((m) => m.body.text ?? m.body.caption ?? m.body.kind);
        throw new Error(
          `no line from the bot within ${timeoutMs} ms; last: ${JSON.stringify(recent)}`,
        );
      }
      const lines = await this.chat.chat(this.personaId, this.cursor, left);
      for (const l of lines) {
        this.cursor = l.id;
        this.pending.push(l);
      }
    }
  }

  /** Skips lines until one matches. */
  async until(match: (m: ChatMessage) => boolean, timeoutMs = 8000): Promise<ChatMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.next(Math.max(1, deadline - Date.now()));
      if (match(line)) return line;
    }
  }

  /** The callback data of the inline button with this label on a message. */
  static button(message: ChatMessage, label: string | RegExp): string {
    const found = message.body.replyMarkup?.inline_keyboard
      ?.flat()
      .find((b) => (typeof label === 'string' ? b.text === label : label.test(b.text)));
    if (found?.callback_data === undefined) {
      const all = message.body.replyMarkup?.inline_keyboard?.flat().map((b) => b.text);
      throw new Error(`no button ${String(label)} on the message; buttons: ${JSON.stringify(all)}`);
    }
    return found.callback_data;
  }
}
