import { Composer } from 'grammy';
import { sourceByLinkCode } from '../../domain/onboarding/sources.js';
import { LinkCodeError } from '../../domain/staff/staff-rules.js';
import type { BotContext } from '../context.js';
import { REGISTRATION, type RegistrationStart } from '../conversations/registration.js';
import { parseDeepLink } from '../deep-link.js';
import { mainMenu } from '../keyboards.js';

export const startFeature = new Composer<BotContext>();

startFeature.command('start', async (ctx) => {
  const link = parseDeepLink(ctx.match);
  if (link?.kind === 'invalid') await ctx.reply(ctx.t('start-bad-link'));
  if (link?.kind === 'staff' && ctx.from) {
    try {
      const staff = await ctx.services.staff.redeemLinkCode(link.token, ctx.from.id);
      await ctx.reply(ctx.t('staff-linked', { name: staff.displayName }));
    } catch (err) {
      if (!(err instanceof LinkCodeError)) throw err;
      await ctx.reply(ctx.t(`staff-link-${err.reason}`));
    }
    return;
  }
  const client = ctx.from ? await ctx.services.clients.getByTelegramId(ctx.from.id) : null;
  if (client?.name) {
    await ctx.reply(ctx.t('start-returning', { name: client.name }), {
      reply_markup: mainMenu(ctx.t),
    });
    return;
  }
  // A linked staff member who is not also a client is not asked to register.
  const staff =
    ctx.from && link === null ? await ctx.services.staff.getByTelegramId(ctx.from.id) : null;
  if (staff) {
    await ctx.reply(ctx.t('staff-welcome', { name: staff.displayName }));
    return;
  }
  const start: RegistrationStart = { referralCode: null, sourceId: null };
  if (link?.kind === 'ref') start.referralCode = link.code;
  if (link?.kind === 'src') {
    start.sourceId = await sourceByLinkCode(ctx.services.db, link.code);
    if (start.sourceId === null) await ctx.reply(ctx.t('start-bad-link'));
  }
  await ctx.reply(ctx.t('start-newcomer'));
  await ctx.conversation.enter(REGISTRATION, start);
});
