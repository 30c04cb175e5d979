import { Composer } from 'grammy';
import type { BotContext } from '../context.js';

/** Registered last: whatever no feature took gets a pointer to /help, and buttons never spin. */
export const unhandledFeature = new Composer<BotContext>();

unhandledFeature.on('callback_query', (ctx) =>
  ctx.answerCallbackQuery({ text: ctx.t('stale-button') }),
);
unhandledFeature.on('message', async (ctx) => {
  if (ctx.chat.type === 'private') await ctx.reply(ctx.t('unhandled'));
});
