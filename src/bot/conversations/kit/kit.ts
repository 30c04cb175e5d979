import type { Conversation } from '@grammyjs/conversations';
import type { NavCodec } from '../../callback-data.js';
import type { BotContext, ConversationContext } from '../../context.js';

export type Conv = Conversation<BotContext, ConversationContext>;
export type Nav = 'back' | 'cancel';
/** What a step ends with: on, back, cancel, or skipped (it had nothing to ask). */
export type StepOutcome = 'next' | 'skip' | Nav;
export type Step = () => Promise<StepOutcome>;

/** What every step of one conversation shares. */
export interface Kit {
  conversation: Conv;
  ctx: ConversationContext;
  t: ConversationContext['t'];
  /** This conversation's Back/Cancel buttons (a per-conversation prefix: others' are stale). */
  nav: NavCodec;
  /** Translation keys: "please use the buttons", and the Back and Cancel labels. */
  useButtons: string;
  labels: { back: string; cancel: string };
  /** Typed texts that leave the conversation to be handled as usual (the main menu). */
  leaveOn: ReadonlySet<string>;
  /** Reply-keyboard labels meaning Back and Cancel, where a step shows them. */
  typedNav?: { back: string; cancel: string };
  /**
   * Presses on other messages leave the conversation to be handled as usual (another visit's
   * rating or Done pressed meanwhile) instead of being answered as out of date.
   */
  leaveOnOtherPress: boolean;
}

export function createKit(
  conversation: Conv,
  ctx: ConversationContext,
  options: Pick<Kit, 'nav' | 'useButtons' | 'labels'> &
    Partial<Pick<Kit, 'leaveOn' | 'typedNav' | 'leaveOnOtherPress'>>,
): Kit {
  return {
    conversation,
    ctx,
    t: ctx.t.bind(ctx),
    leaveOn: new Set(),
    leaveOnOtherPress: false,
    ...options,
  };
}
