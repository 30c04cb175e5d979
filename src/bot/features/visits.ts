import { hears } from '@grammyjs/i18n';
import { Composer, InlineKeyboard } from 'grammy';
import { formatWhen } from '../../domain/visits/format-when.js';
import type { VisitView } from '../../domain/visits/visit-view.js';
import { callbacks, onIntent, onPress } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { BOOKING } from '../conversations/booking/index.js';
import { RATE_COMMENT } from '../conversations/rate-comment.js';
import { replyWithError } from '../errors.js';
import { clientOf } from './menu.js';

/** My visits: the list, moving and cancelling; reminder answers; ratings. Clients only. */
export const visitsFeature = new Composer<BotContext>();

async function localeOf(ctx: BotContext): Promise<string> {
  return ctx.i18n.getLocale();
}

function line(ctx: BotContext, v: VisitView, locale: string): string {
  return ctx.t('visits-line', {
    when: formatWhen(v.startsAt, v.timeZone, locale),
    service: v.service,
    master: v.master,
    branch: v.branch,
  });
}

visitsFeature.filter(hears('menu-visits'), async (ctx) => {
  const client = await clientOf(ctx);
  if (!client) return;
  const locale = await localeOf(ctx);
  const { upcoming, past } = await ctx.services.visits.forClient(client.id, ctx.services.clock());
  if (upcoming.length === 0 && past.length === 0) {
    await ctx.reply(ctx.t('visits-none'));
    return;
  }
  const parts: string[] = [];
  const kb = new InlineKeyboard();
  if (upcoming.length > 0) {
    parts.push(ctx.t('visits-title'), ...upcoming.map((v) => line(ctx, v, locale)));
    for (const v of upcoming) {
      const short = formatWhen(v.startsAt, v.timeZone, locale);
      kb.text(ctx.t('visits-move', { when: short }), callbacks.moveVisit.pack({ visitId: v.id }))
        .text(
          ctx.t('visits-cancel', { when: short }),
          callbacks.askCancelVisit.pack({ visitId: v.id }),
        )
        .row();
    }
  } else {
    parts.push(ctx.t('visits-none-upcoming'));
  }
  if (past.length > 0) {
    parts.push(
      '',
      ctx.t('visits-past-title'),
      ...past.map((v) => `${line(ctx, v, locale)} — ${ctx.t(`visit-status-${v.status}`)}`),
    );
  }
  await ctx.reply(parts.join('\n'), upcoming.length > 0 ? { reply_markup: kb } : {});
});

/** The client behind a button press, or a friendly refusal. */
async function pressingClient(ctx: BotContext) {
  const client = await ctx.services.clients.identityOfTelegramUser(ctx.from?.id ?? 0);
  if (!client) await ctx.answerCallbackQuery({ text: ctx.t('menu-register-first') });
  return client;
}

async function askCancel(ctx: BotContext, visitId: string) {
  const client = await pressingClient(ctx);
  if (!client) return;
  try {
    const visit = await ctx.services.visits.ofClient(client.id, visitId);
    await ctx.services.visits.checkChangeable(visit, ctx.services.clock());
    await ctx.answerCallbackQuery();
    const locale = await localeOf(ctx);
    await ctx.reply(
      ctx.t('visits-cancel-ask', {
        when: formatWhen(visit.startsAt, visit.timeZone, locale),
        service: visit.service,
      }),
      {
        reply_markup: new InlineKeyboard()
          .text(ctx.t('visits-cancel-yes'), callbacks.cancelVisit.pack({ visitId: visit.id }))
          .text(ctx.t('visits-cancel-keep'), callbacks.keepVisit.pack({})),
      },
    );
  } catch (err) {
    await replyWithError(ctx, err);
  }
}

onPress(visitsFeature, callbacks.askCancelVisit, (ctx, { visitId }) => askCancel(ctx, visitId));
onIntent(visitsFeature, 'cancel-visit', (ctx, { visitId }) => askCancel(ctx, visitId));

onPress(visitsFeature, callbacks.cancelVisit, async (ctx, { visitId }) => {
  const client = await pressingClient(ctx);
  if (!client) return;
  try {
    const visit = await ctx.services.visits.cancelByClient(
      client.id,
      visitId,
      ctx.services.clock(),
    );
    await ctx.answerCallbackQuery();
    await ctx.reply(
      ctx.t('visits-cancelled', {
        when: formatWhen(visit.startsAt, visit.timeZone, await localeOf(ctx)),
      }),
    );
  } catch (err) {
    await replyWithError(ctx, err);
  }
});

onPress(visitsFeature, callbacks.keepVisit, async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t('visits-kept'));
});

onPress(visitsFeature, callbacks.moveVisit, async (ctx, { visitId }) => {
  const client = await pressingClient(ctx);
  if (!client) return;
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(BOOKING, { visitId });
});

onIntent(visitsFeature, 'confirm-visit', async (ctx, { visitId }) => {
  const client = await pressingClient(ctx);
  if (!client) return;
  try {
    const visit = await ctx.services.visits.confirmByClient(client.id, visitId);
    await ctx.answerCallbackQuery();
    await ctx.reply(
      ctx.t('reminder-confirmed', {
        when: formatWhen(visit.startsAt, visit.timeZone, await localeOf(ctx)),
      }),
    );
  } catch (err) {
    await replyWithError(ctx, err);
  }
});

onIntent(visitsFeature, 'rate-visit', async (ctx, { visitId, score }) => {
  const client = await pressingClient(ctx);
  if (!client) return;
  try {
    await ctx.services.visits.rate(client.id, visitId, score);
  } catch (err) {
    await replyWithError(ctx, err);
    return;
  }
  await ctx.answerCallbackQuery();
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(RATE_COMMENT, { visitId, score });
});
