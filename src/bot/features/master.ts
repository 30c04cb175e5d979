import { Composer, InlineKeyboard } from 'grammy';
import { DateTime } from 'luxon';
import { formatAmount, formatWhen } from '../../domain/visits/format-when.js';
import { assertActive } from '../../domain/visits/visit-rules.js';
import { callbacks, intentKeyboard, onIntent, onPress } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { VISIT_AMOUNT } from '../conversations/visit-amount.js';
import { replyWithError } from '../errors.js';

/**
 * Masters in Telegram: the agenda on demand and the Done / No-show buttons. Every press checks
 * that the visit is the pressing master's own.
 */
export const masterFeature = new Composer<BotContext>();

masterFeature.command('agenda', async (ctx) => {
  const master = await ctx.services.visits.masterOfTelegram(ctx.from?.id ?? 0);
  if (!master) {
    await ctx.reply(ctx.t('master-only'));
    return;
  }
  const branch = await ctx.services.db
    .selectFrom('masters as m')
    .innerJoin('branches as b', 'b.id', 'm.branch_id')
    .select('b.time_zone')
    .where('m.id', '=', master.masterId)
    .executeTakeFirstOrThrow();
  const day =
    DateTime.fromJSDate(ctx.services.clock(), { zone: branch.time_zone }).toISODate() ?? '';
  const agenda = await ctx.services.visits.agendaFor(
    master.masterId,
    branch.time_zone,
    day,
    master.locale,
  );
  await ctx.reply(
    agenda.text,
    agenda.buttons.length > 0 ? { reply_markup: intentKeyboard(agenda.buttons) } : {},
  );
});

onIntent(masterFeature, 'visit-done', async (ctx, { visitId }) => {
  try {
    const { visit } = await ctx.services.visits.ofMaster(ctx.from.id, visitId);
    assertActive(visit);
    if (visit.startsAt > ctx.services.clock()) {
      await ctx.answerCallbackQuery({ text: ctx.t('visit-not-started'), show_alert: true });
      return;
    }
    const due = formatAmount(ctx.services.visits.expectedAmount(visit));
    const points = await ctx.services.visits.spendablePoints(visit);
    await ctx.answerCallbackQuery();
    await ctx.reply(
      ctx.t('master-done-ask', {
        when: formatWhen(visit.startsAt, visit.timeZone, await ctx.i18n.getLocale()),
        service: visit.service,
        price: formatAmount(visit.price),
        discount: visit.discountPct,
        due,
      }),
      {
        reply_markup: new InlineKeyboard()
          .text(
            ctx.t('master-done-confirm', { due }),
            callbacks.visitPaid.pack({ visitId: visit.id }),
          )
          .row()
          .text(ctx.t('master-done-other'), callbacks.visitOtherAmount.pack({ visitId: visit.id }))
          .row()
          .add(
            ...(points > 0
              ? [
                  InlineKeyboard.text(
                    ctx.t('master-done-points', {
                      points,
                      due: formatAmount(Number(ctx.services.visits.expectedAmount(visit)) - points),
                    }),
                    callbacks.visitPaidWithPoints.pack({ visitId: visit.id }),
                  ),
                ]
              : []),
          ),
      },
    );
  } catch (err) {
    await replyWithError(ctx, err);
  }
});

/** Paid as expected, or partly with the client's points. */
async function markPaid(
  ctx: BotContext & { from: { id: number } },
  visitId: string,
  withPoints: boolean,
) {
  try {
    const { master, visit } = await ctx.services.visits.ofMaster(ctx.from.id, visitId);
    const points = withPoints ? await ctx.services.visits.spendablePoints(visit) : 0;
    const done = await ctx.services.visits.complete(
      visitId,
      { points },
      { type: 'staff', id: master.staffUserId },
      ctx.services.clock(),
    );
    await ctx.answerCallbackQuery();
    await ctx.reply(
      done.pointsSpent > 0
        ? ctx.t('master-done-with-points', {
            amount: formatAmount(done.amountPaid),
            points: done.pointsSpent,
          })
        : ctx.t('master-done', { amount: formatAmount(done.amountPaid) }),
    );
  } catch (err) {
    await replyWithError(ctx, err);
  }
}

onPress(masterFeature, callbacks.visitPaid, (ctx, { visitId }) => markPaid(ctx, visitId, false));
onPress(masterFeature, callbacks.visitPaidWithPoints, (ctx, { visitId }) =>
  markPaid(ctx, visitId, true),
);

onPress(masterFeature, callbacks.visitOtherAmount, async (ctx, { visitId }) => {
  try {
    await ctx.services.visits.ofMaster(ctx.from.id, visitId);
    await ctx.answerCallbackQuery();
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(VISIT_AMOUNT, { visitId });
  } catch (err) {
    await replyWithError(ctx, err);
  }
});

onIntent(masterFeature, 'visit-no-show', async (ctx, { visitId }) => {
  try {
    const { master } = await ctx.services.visits.ofMaster(ctx.from.id, visitId);
    await ctx.services.visits.markNoShow(
      visitId,
      { type: 'staff', id: master.staffUserId },
      ctx.services.clock(),
    );
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('master-no-show'));
  } catch (err) {
    await replyWithError(ctx, err);
  }
});
