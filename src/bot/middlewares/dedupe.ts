import type { MiddlewareFn } from 'grammy';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { claimUpdate } from '../../domain/updates/processed-updates.js';
import type { BotContext } from '../context.js';

/** Drops an update that was already handled (Telegram re-delivers after timeouts). */
export function dedupeUpdates(db: Kysely<Database>): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (!(await claimUpdate(db, ctx.update.update_id))) {
      ctx.logger.debug('duplicate update ignored');
      return;
    }
    await next();
  };
}
