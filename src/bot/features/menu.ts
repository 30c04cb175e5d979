import { hears } from '@grammyjs/i18n';
import { Composer, InlineKeyboard, InputFile } from 'grammy';
import QRCode from 'qrcode';
import type { Client } from '../../domain/clients/client-service.js';
import { formatAmount } from '../../domain/visits/format-when.js';
import { callbacks, onPress } from '../callback-data.js';
import { renderCardImage } from '../card-image.js';
import type { BotContext } from '../context.js';
import { BOOKING } from '../conversations/booking/index.js';
import { REGISTRATION } from '../conversations/registration.js';
import { referralLink } from '../deep-link.js';

/** Who is asking: menu actions are for registered clients only; others are led to register. */
export async function clientOf(ctx: BotContext): Promise<Client | null> {
  const client = ctx.from ? await ctx.services.clients.getByTelegramId(ctx.from.id) : null;
  if (!client) {
    await ctx.reply(ctx.t('menu-register-first'));
    await ctx.conversation.enter(REGISTRATION, { referralCode: null, sourceId: null });
  }
  return client;
}

export const menuFeature = new Composer<BotContext>();

menuFeature.filter(hears('menu-book'), async (ctx) => {
  if (await clientOf(ctx)) await ctx.conversation.enter(BOOKING, { visitId: null });
});

menuFeature.filter(hears('menu-help'), (ctx) => ctx.reply(ctx.t('help')));

async function sendCard(
  ctx: BotContext,
  number: string,
  key: 'card-caption' | 'card-reissued',
): Promise<void> {
  const spaced = number.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3');
  await ctx.replyWithPhoto(new InputFile(await renderCardImage(number), 'card.png'), {
    caption: ctx.t(key, { number: spaced }),
    reply_markup: new InlineKeyboard().text(ctx.t('card-lost'), callbacks.cardReissue.pack({})),
  });
}

menuFeature.filter(hears('menu-card'), async (ctx) => {
  const client = await clientOf(ctx);
  if (client) await sendCard(ctx, await ctx.services.cards.activeCard(client.id), 'card-caption');
});

onPress(menuFeature, callbacks.cardReissue, async (ctx) => {
  const client = await ctx.services.clients.getByTelegramId(ctx.from.id);
  if (!client) {
    await ctx.answerCallbackQuery({ text: ctx.t('menu-register-first') });
    return;
  }
  await ctx.answerCallbackQuery();
  await sendCard(
    ctx,
    await ctx.services.cards.reissue(client.id, { type: 'client', id: client.id }),
    'card-reissued',
  );
});

menuFeature.filter(hears('menu-friends'), async (ctx) => {
  const client = await clientOf(ctx);
  if (!client) return;
  const summary = await ctx.services.referrals.summary(client.id);
  const link = referralLink(ctx.me.username, summary.code);
  const now = ctx.services.clock();
  const [standing, { rules }] = await Promise.all([
    ctx.services.loyalty.standing(client.id, now),
    ctx.services.loyalty.rules(),
  ]);
  const locale = await ctx.i18n.getLocale();
  const date = (d: Date) => d.toLocaleDateString(locale === 'en' ? 'en-GB' : 'ru-RU');
  const lines = [
    ctx.t('friends-summary', {
      base: standing.base,
      discount: summary.discountPercent,
      qualified: summary.qualified,
      pending: summary.pending,
      rules: rules.referral.map((r) => ctx.t('friends-rule', r)).join(', '),
    }),
  ];
  if (standing.level)
    lines.push(
      ctx.t('loyalty-level', {
        level: standing.level.name,
        percent: standing.level.percent,
        spend: formatAmount(standing.spend),
        visits: standing.visits,
        days: rules.levelWindowDays,
      }),
    );
  if (standing.next)
    lines.push(
      ctx.t('loyalty-next', {
        level: standing.next.name,
        spend: formatAmount(standing.next.minSpend),
        visits: standing.next.minVisits,
      }),
    );
  lines.push(
    ctx.t('loyalty-points', { points: standing.points, share: rules.points.maxSharePercent }),
  );
  if (standing.coupons.length > 0)
    lines.push(
      ctx.t('loyalty-coupons'),
      ...standing.coupons.map((c) =>
        ctx.t('loyalty-coupon', {
          code: c.code,
          percent: c.percent,
          categories: c.categories.length > 0 ? ` (${c.categories.join(', ')})` : '',
          until: date(c.validUntil),
        }),
      ),
    );
  lines.push(ctx.t('loyalty-combine', { cap: rules.globalCapPercent }));
  await ctx.reply(lines.join('\n'));
  const share = `https://t.me/share/url?url=${encodeURIComponent(link)}&text=${encodeURIComponent(ctx.t('friends-share-text'))}`;
  const qr = await QRCode.toBuffer(link, {
    type: 'png',
    width: 512,
    margin: 2,
    errorCorrectionLevel: 'M',
  });
  await ctx.replyWithPhoto(new InputFile(qr, 'invite.png'), {
    caption: ctx.t('friends-link', { link }),
    reply_markup: new InlineKeyboard().url(ctx.t('friends-share'), share),
  });
});
