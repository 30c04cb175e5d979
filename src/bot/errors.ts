import { SlotTakenError } from '../domain/booking/booking-service.js';
import { DomainError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import {
  CutoffPassedError,
  NotYourVisitError,
  VisitNotStartedError,
  VisitStateError,
} from '../domain/visits/visit-service.js';
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
/** What may be logged of an error: its class and message, never the update. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : `unknown: ${String(err)}`;
  return text.slice(0, 300);
}
