/**
 * Every button of the bot, in one place: its callback data as a typed codec, the encoding of the
 * domain's button intents, and the decoding of presses. No other module writes or parses
 * callback strings. The wire formats are the ones earlier messages carry (see callback-codec.ts);
 * a unit test packs every codec here with its widest values against Telegram's 64 bytes.
 */
import type { CallbackQueryContext, Composer } from 'grammy';
import { InlineKeyboard } from 'grammy';
import type { ButtonIntent, IntentButton, IntentKind } from '../domain/shared/intents.js';
import { createCallbackData, int, isoDay, oneOf, uuid } from './callback-codec.js';
import type { BaseContext } from './context.js';

const LANGUAGES = ['ru', 'en'] as const;
const NAV = ['back', 'cancel'] as const;

export const callbacks = {
  // Buttons of the domain's notices (intents, sent by the outbox dispatcher).
  rateVisit: createCallbackData('rate', { visitId: uuid, score: int(1, 5) }),
  confirmVisit: createCallbackData('rv:ok', { visitId: uuid }),
  /** The reminder's Cancel: asks first, like the list's. */
  reminderCancel: createCallbackData('rv:cx', { visitId: uuid }),
  visitDone: createCallbackData('mv:done', { visitId: uuid }),
  visitNoShow: createCallbackData('mv:ns', { visitId: uuid }),

  // A client's visits.
  moveVisit: createCallbackData('cv:mv', { visitId: uuid }),
  askCancelVisit: createCallbackData('cv:cx', { visitId: uuid }),
  cancelVisit: createCallbackData('cv:cxy', { visitId: uuid }),
  keepVisit: createCallbackData('cv:keep', {}),
  rateSkip: createCallbackData('rate:skip', {}),
  /** The rating comment's own Back/Cancel (the conversation kit's; typed /cancel today). */
  rateNav: createCallbackData('rate', { nav: oneOf(NAV) }),

  // A master closing a visit.
  visitPaid: createCallbackData('mv:paid', { visitId: uuid }),
  visitPaidWithPoints: createCallbackData('mv:pts', { visitId: uuid }),
  visitOtherAmount: createCallbackData('mv:amt', { visitId: uuid }),
  /** The amount conversation's own Back/Cancel (the conversation kit's; typed /cancel today). */
  visitAmountNav: createCallbackData('mv', { nav: oneOf(NAV) }),

  // Profile, language, card, feedback.
  profile: createCallbackData('profile', {
    action: oneOf(['name', 'birthday', 'marketing', 'export', 'delete']),
  }),
  profileDelete: createCallbackData('profile:delete', { answer: oneOf(['yes', 'no']) }),
  languageMenu: createCallbackData('language:menu', {}),
  language: createCallbackData('language', { locale: oneOf(LANGUAGES) }),
  cardReissue: createCallbackData('card:reissue', {}),
  feedbackAnswer: createCallbackData('feedback', { answer: oneOf(['yes', 'no']) }),
  /** The feedback conversation's own Back/Cancel (the conversation kit's; typed /cancel today). */
  feedbackNav: createCallbackData('feedback', { nav: oneOf(NAV) }),

  // The booking conversation (indexes point into the list the step showed).
  bookingNav: createCallbackData('bk', { nav: oneOf(NAV) }),
  bookingBranch: createCallbackData('bk:b', { index: int(0, 99) }),
  bookingCategory: createCallbackData('bk:c', { index: int(0, 999) }),
  bookingService: createCallbackData('bk:s', { index: int(0, 999) }),
  bookingAnyMaster: createCallbackData('bk:m:any', {}),
  bookingMaster: createCallbackData('bk:m', { index: int(0, 999) }),
  bookingDay: createCallbackData('bk:d', { day: isoDay }),
  bookingDayPage: createCallbackData('bk:d', { page: oneOf(['prev', 'next']) }),
  /** Minutes since the epoch: 8 digits last until the year 2160. */
  bookingTime: createCallbackData('bk:t', { minute: int(0, 99_999_999) }),
  bookingConfirm: createCallbackData('bk:ok', {}),

  // Registration and the profile edit (which shares its Cancel).
  registrationNav: createCallbackData('reg', { nav: oneOf(NAV) }),
  registrationAnswer: createCallbackData('reg', {
    answer: oneOf(['agree', 'yes', 'no', 'skip', 'profile-name']),
  }),
  registrationSource: createCallbackData('reg:src', { index: int(0, 29) }),
} as const;

export type NavCodec = typeof callbacks.bookingNav;

type IntentOf<K extends IntentKind> = Extract<ButtonIntent, { kind: K }>;

/** The callback data of a domain intent. */
export function encodeIntent(intent: ButtonIntent): string {
  switch (intent.kind) {
    case 'rate-visit':
      return callbacks.rateVisit.pack({ visitId: intent.visitId, score: intent.score });
    case 'confirm-visit':
      return callbacks.confirmVisit.pack({ visitId: intent.visitId });
    case 'cancel-visit':
      return callbacks.reminderCancel.pack({ visitId: intent.visitId });
    case 'visit-done':
      return callbacks.visitDone.pack({ visitId: intent.visitId });
    case 'visit-no-show':
      return callbacks.visitNoShow.pack({ visitId: intent.visitId });
    default: {
      const unknown: never = intent;
      throw new Error(`no callback data for ${JSON.stringify(unknown)}`);
    }
  }
}

const SCORES = [1, 2, 3, 4, 5] as const;

/** The intent a press means, or undefined for anything the bot did not send as an intent. */
export function decodeIntent(data: string): ButtonIntent | undefined {
  const rate = callbacks.rateVisit.unpack(data);
  const score = SCORES.find((s) => s === rate?.score);
  if (rate && score) return { kind: 'rate-visit', visitId: rate.visitId, score };
  const single = [
    ['confirm-visit', callbacks.confirmVisit],
    ['cancel-visit', callbacks.reminderCancel],
    ['visit-done', callbacks.visitDone],
    ['visit-no-show', callbacks.visitNoShow],
  ] as const;
  for (const [kind, codec] of single) {
    const values = codec.unpack(data);
    if (values) return { kind, visitId: values.visitId };
  }
  return undefined;
}

/** A button queued before intents existed: its callback data was written by the domain. */
export interface LegacyButton {
  text: string;
  data: string;
}

/** An inline keyboard for buttons of the outbox or the domain: intents, or legacy rows as they were. */
export function intentKeyboard(rows: readonly (readonly (IntentButton | LegacyButton)[])[]) {
  return new InlineKeyboard(
    rows.map((row) =>
      row.map((b) => InlineKeyboard.text(b.text, 'intent' in b ? encodeIntent(b.intent) : b.data)),
    ),
  );
}

type Codec = (typeof callbacks)[keyof typeof callbacks];
type Press<C extends BaseContext> = CallbackQueryContext<C>;

/**
 * Handles presses of one codec's buttons with the values unpacked. Data of the codec's shape but
 * with values it would never write (a score of 9, 31 February) is answered as out of date.
 */
export function onPress<C extends BaseContext, K extends Codec>(
  composer: Composer<C>,
  codec: K,
  handler: (ctx: Press<C>, values: NonNullable<ReturnType<K['unpack']>>) => unknown,
): void {
  composer.callbackQuery(codec.filter(), async (ctx) => {
    const values = codec.unpack(ctx.callbackQuery.data);
    if (!values) {
      await ctx.answerCallbackQuery({ text: ctx.t('stale-button') });
      return;
    }
    await handler(ctx, values as NonNullable<ReturnType<K['unpack']>>);
  });
}

const INTENT_CODECS: { [K in IntentKind]: Codec } = {
  'rate-visit': callbacks.rateVisit,
  'confirm-visit': callbacks.confirmVisit,
  'cancel-visit': callbacks.reminderCancel,
  'visit-done': callbacks.visitDone,
  'visit-no-show': callbacks.visitNoShow,
};

/** Handles presses of one kind of intent button, decoded to the intent. */
export function onIntent<C extends BaseContext, K extends IntentKind>(
  composer: Composer<C>,
  kind: K,
  handler: (ctx: Press<C>, intent: IntentOf<K>) => unknown,
): void {
  composer.callbackQuery(INTENT_CODECS[kind].filter(), async (ctx) => {
    const intent = decodeIntent(ctx.callbackQuery.data);
    if (intent?.kind !== kind) {
      await ctx.answerCallbackQuery({ text: ctx.t('stale-button') });
      return;
    }
    await handler(ctx, intent as IntentOf<K>);
  });
}
