import type { ConversationContext } from '../../context.js';
import { type Option, stepKeyboard } from './choose-one.js';
import type { Kit, Nav } from './kit.js';
import { waitInStep } from './wait.js';

/** A check of typed text: its value, or the error to show (the user types again). */
export type Parsed<V> = { value: V } | { error: string };

export interface AskText<V, T> {
  text: string;
  /** Buttons offered beside typing (use my profile name, skip…). */
  rows?: readonly (readonly Option<T>[])[];
  back: boolean;
  /** Offer Cancel as a button (typing /cancel always cancels). */
  cancel?: boolean;
  /** Translation key of the reply to anything that is not text. */
  notText: string;
  parse(text: string, update: ConversationContext): Parsed<V> | Promise<Parsed<V>>;
}

/**
 * Asks for text and checks it: a wrong answer gets its clear error and the question stands, so
 * nothing typed is lost to a crash or half-saved. Resolves the value, an offered button's value,
 * or Back/Cancel.
 */
export async function askText<V, T = never>(
  kit: Kit,
  ask: AskText<V, T>,
): Promise<{ nav: Nav } | { value: V } | { choice: T }> {
  const rows = ask.rows ?? [];
  const keyboard = stepKeyboard(kit, rows, ask);
  const offered = new Map(rows.flat().map((o) => [o.data, o.value]));
  const prompt = await kit.ctx.reply(ask.text, keyboard ? { reply_markup: keyboard } : {});
  for (;;) {
    const got = await waitInStep(kit, prompt, { back: ask.back });
    if ('nav' in got) return got;
    if ('press' in got) {
      if (offered.has(got.press)) {
        await got.update.answerCallbackQuery();
        return { choice: offered.get(got.press) as T };
      }
      await got.update.answerCallbackQuery({ text: got.update.t('stale-button') });
      continue;
    }
    const typed = got.update.message?.text;
    if (typed === undefined) {
      await got.update.reply(got.update.t(ask.notText));
      continue;
    }
    const parsed = await ask.parse(typed, got.update);
    if ('value' in parsed) return parsed;
    await got.update.reply(parsed.error);
  }
}
