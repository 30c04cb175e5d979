import { GrammyError, HttpError } from 'grammy';
import { isConnectionError } from '../db/connection-errors.js';
import { SlotTakenError } from '../domain/booking/booking-service.js';
import { DomainError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import {
  CutoffPassedError,
  NotYourVisitError,
  VisitNotStartedError,
  VisitStateError,
} from '../domain/visits/visit-rules.js';
import { ChatBusyError } from './chat-lock.js';
import type { BaseContext } from './context.js';

/** The one place where domain errors become a message the user understands. */
export function visitErrorText(t: BaseContext['t'], err: unknown): string {
  if (err instanceof CutoffPassedError)
    return err.phone
      ? t('visit-cutoff-call', { hours: err.cutoffHours, phone: err.phone })
      : t('visit-cutoff', { hours: err.cutoffHours });
  if (err instanceof SlotTakenError) return t('book-taken');
  if (err instanceof VisitStateError) return t('visit-closed');
  if (err instanceof NotYourVisitError) return t('visit-not-yours');
  if (err instanceof VisitNotStartedError) return t('visit-not-started');
  if (err instanceof NotFoundError) return t('visit-not-found');
  if (err instanceof InvalidInputError) return t('error-invalid', { field: err.field });
  return t('error-generic');
}

export async function replyWithError(ctx: BaseContext, err: unknown): Promise<void> {
  const text = visitErrorText(ctx.t.bind(ctx), err);
  if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
  if (ctx.chat) await ctx.reply(text).catch(() => undefined);
}

/** Expected refusals (a rule said no) are not failures of the program. */
export function isExpected(err: unknown): boolean {
  return err instanceof DomainError;
}
/**
 * Failures that say nothing about the update — the database or Telegram away, the chat busy in
 * another process — and pass: the update is not answered with an error but handled again later
 * (polling tries it again; a webhook answers 500 and Telegram delivers it again).
 */
export function isPassingFailure(err: unknown): boolean {
  if (err instanceof HttpError || err instanceof ChatBusyError) return true;
  if (err instanceof GrammyError) return err.error_code === 429 || err.error_code >= 500;
  return isConnectionError(err);
}

/** What may be logged of an error: its class and message, never the update. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : `unknown: ${String(err)}`;
  return text.slice(0, 300);
}
