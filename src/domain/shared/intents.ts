/**
 * Buttons are intents: the domain says what a button means as plain data, and `src/bot` alone
 * turns an intent into callback data and a press back into an intent. A notice (a message the
 * domain wants sent) carries intents; the outbox stores them as JSON; the dispatcher encodes them.
 * Adding a button means adding a case here and its codec entry in the bot (a test there checks
 * every intent fits Telegram's 64-byte limit).
 */
export type ButtonIntent =
  /** A client rates a completed visit from the thank-you message. */
  | { kind: 'rate-visit'; visitId: string; score: 1 | 2 | 3 | 4 | 5 }
  /** A client confirms they are coming, from the reminder. */
  | { kind: 'confirm-visit'; visitId: string }
  /** A client asks to cancel a visit, from the reminder. */
  | { kind: 'cancel-visit'; visitId: string }
  /** A master marks a visit of their agenda done. */
  | { kind: 'visit-done'; visitId: string }
  /** A master marks a client of their agenda as not having come. */
  | { kind: 'visit-no-show'; visitId: string };

export type IntentKind = ButtonIntent['kind'];

/** A button of a notice: its label (already in the recipient's language) and what it means. */
export interface IntentButton {
  text: string;
  intent: ButtonIntent;
}
