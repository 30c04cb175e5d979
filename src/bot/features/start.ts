import { Composer } from 'grammy';
import type { BotContext } from '../context.js';

/** Deep-link payloads are typed by anyone: Telegram allows 1–64 of [A-Za-z0-9_-]. */
const PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/;

export const startFeature = new Composer<BotContext>();

startFeature.command('start', async (ctx) => {
  const payload = ctx.match.trim();
  if (payload !== '' && !PAYLOAD.test(payload)) {
    await ctx.reply(ctx.t('start-bad-link'));
  }
  // Registration (consent, contact, name) and referral links come with the onboarding issue.
  const client = ctx.from ? await ctx.services.clients.getByTelegramId(ctx.from.id) : null;
  if (client?.name) {
    await ctx.reply(ctx.t('start-returning', { name: client.name }));
  } else {
    await ctx.reply(ctx.t('start-newcomer'));
  }
});
