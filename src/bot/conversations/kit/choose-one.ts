import { InlineKeyboard } from 'grammy';
import type { ConversationContext } from '../../context.js';
import type { Kit, Nav } from './kit.js';
import { waitInStep } from './wait.js';

/** A button of a choice: its label, its callback data (from callback-data.ts), its value. */
export interface Option<T> {
  text: string;
  data: string;
  value: T;
}

export interface ChooseOne<T> {
  text: string;
  rows: readonly (readonly Option<T>[])[];
  /** Offer Back. */
  back: boolean;
  /** Offer Cancel as a button (typing /cancel always cancels). */
  cancel?: boolean;
  /** Another label for Cancel (a consent's "Decline"). */
  cancelLabel?: string;
}

/**
 * A step's inline keyboard: its own rows, then Back/Cancel as offered; undefined when it has no
 * button at all (Telegram refuses an empty row).
 */
export function stepKeyboard<T>(
  kit: Kit,
  rows: readonly (readonly Option<T>[])[],
  offer: { back: boolean; cancel?: boolean; cancelLabel?: string },
): InlineKeyboard | undefined {
  const nav: ReturnType<typeof InlineKeyboard.text>[] = [];
  if (offer.back)
    nav.push(InlineKeyboard.text(kit.t(kit.labels.back), kit.nav.pack({ nav: 'back' })));
  if (offer.cancel !== false)
    nav.push(
      InlineKeyboard.text(
        kit.t(offer.cancelLabel ?? kit.labels.cancel),
        kit.nav.pack({ nav: 'cancel' }),
      ),
    );
  const all = [...rows.map((row) => row.map((o) => InlineKeyboard.text(o.text, o.data))), nav];
  const nonEmpty = all.filter((row) => row.length > 0);
  return nonEmpty.length > 0 ? new InlineKeyboard(nonEmpty) : undefined;
}

/**
 * Sends a choice as an inline keyboard with Back/Cancel (as offered) and waits for one of its own buttons.
 * Only the data this message offered is accepted: a forged or older button is out of date;
 * typing asks for the buttons.
 */
export async function chooseOne<T>(
  kit: Kit,
  choice: ChooseOne<T>,
): Promise<{ nav: Nav } | { value: T; update: ConversationContext }> {
  const keyboard = stepKeyboard(kit, choice.rows, choice);
  const offered = new Map(choice.rows.flat().map((o) => [o.data, o.value]));
  const prompt = await kit.ctx.reply(choice.text, keyboard ? { reply_markup: keyboard } : {});
  for (;;) {
    const got = await waitInStep(kit, prompt, { back: choice.back });
    if ('nav' in got) return got;
    if ('press' in got) {
      if (offered.has(got.press)) {
        await got.update.answerCallbackQuery();
        return { value: offered.get(got.press) as T, update: got.update };
      }
      await got.update.answerCallbackQuery({ text: got.update.t('stale-button') });
      continue;
    }
    await got.update.reply(got.update.t(kit.useButtons));
  }
}
