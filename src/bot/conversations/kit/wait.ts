import type { ConversationContext } from '../../context.js';
import type { Kit, Nav } from './kit.js';

export type Settled =
  | { nav: Nav }
  /** A press on the step's own message, not Back/Cancel: the step decides what it means. */
  | { press: string; update: ConversationContext }
  /** Anything typed or sent that is not a command, a menu label or a navigation word. */
  | { update: ConversationContext };

/**
 * Waits for the next update of a step and settles what every step settles the same way:
 * Back/Cancel (pressed on the step's message, or typed), a command or a menu label (leaves the
 * conversation, handled as usual), and presses on any other message (an older step's, another
 * feature's, or forged), which are answered as out of date (or leave, if the kit says so).
 */
export async function waitInStep(
  kit: Kit,
  prompt: { message_id: number } | undefined,
  options: { back: boolean },
): Promise<Settled> {
  for (;;) {
    const update = await kit.conversation.wait();
    const query = update.callbackQuery;
    if (query) {
      const data = query.data ?? '';
      const own = prompt !== undefined && query.message?.message_id === prompt.message_id;
      const nav = own ? kit.nav.unpack(data)?.nav : undefined;
      if (nav && (nav === 'cancel' || options.back)) {
        await update.answerCallbackQuery();
        return { nav };
      }
      if (own && !nav) return { press: data, update };
      if (!own && kit.leaveOnOtherPress) await kit.conversation.halt({ next: true });
      await update.answerCallbackQuery({ text: update.t('stale-button') });
      continue;
    }
    const text = update.message?.text;
    if (text === '/cancel') return { nav: 'cancel' };
    if (kit.typedNav && text === update.t(kit.typedNav.cancel)) return { nav: 'cancel' };
    if (kit.typedNav && options.back && text === update.t(kit.typedNav.back))
      return { nav: 'back' };
    if (text !== undefined && (text.startsWith('/') || kit.leaveOn.has(text)))
      await kit.conversation.halt({ next: true });
    return { update };
  }
}
