import { InvalidInputError } from '../domain/errors.js';
import type { BaseContext } from './context.js';

/** The one place where domain errors become a message the user understands. */
export async function replyWithError(ctx: BaseContext, err: unknown): Promise<void> {
  const text =
    err instanceof InvalidInputError
      ? ctx.t('error-invalid', { field: err.field })
      : ctx.t('error-generic');
  if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
  if (ctx.chat) await ctx.reply(text).catch(() => undefined);
}

/** What may be logged of an error: its class and message, never the update. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : `unknown: ${String(err)}`;
  return text.slice(0, 300);
}
