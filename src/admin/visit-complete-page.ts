import type { FastifyInstance, FastifyReply } from 'fastify';
import { DateTime } from 'luxon';
import type { Actor } from '../domain/actor.js';
import { DomainError, InvalidInputError } from '../domain/errors.js';
import { formatAmount } from '../domain/visits/format-when.js';
import { VisitNotStartedError, type VisitService } from '../domain/visits/visit-service.js';
import type { VisitView } from '../domain/visits/visit-view.js';
import { can, isPanelUser, type PanelUser } from './access.js';
import { esc, notice, panelPage } from './page-shell.js';
import { ADMIN_ROOT } from './paths.js';
import type { VisitSource } from './resources/visit-source.js';

export const completePath = (visitId: string) => `${ADMIN_ROOT}/visits/${visitId}/complete`;
const MAX_INPUT = 30;

const TEXT = {
  ru: {
    title: 'Визит состоялся',
    back: '← К визиту',
    promised: 'Обещано клиенту при записи',
    price: 'Цена',
    discount: 'Скидка',
    coupon: 'Купон',
    none: 'нет',
    due: 'К оплате',
    balance: 'Баллов у клиента',
    spendable: 'Можно списать сейчас',
    amount: 'Оплачено деньгами',
    points: 'Списать баллов',
    amountHint: 'Пусто — ровно «к оплате» минус списанные баллы.',
    save: 'Отметить состоявшимся',
    badAmount: 'Сумма: число от 0 до 10 000 000, например 1900 или 1900,50.',
    badPoints: 'Баллы: целое число от 0.',
    tooManyPoints: (n: number) => `Можно списать не больше ${n} баллов.`,
    notStarted: 'Визит ещё не начался — отметить его можно после начала.',
    closed: 'Визит уже закрыт.',
    notYours: 'Этот визит вам недоступен.',
  },
  en: {
    title: 'Visit done',
    back: '← To the visit',
    promised: 'Promised to the client at booking',
    price: 'Price',
    discount: 'Discount',
    coupon: 'Coupon',
    none: 'none',
    due: 'To pay',
    balance: "Client's points",
    spendable: 'May be spent now',
    amount: 'Paid in money',
    points: 'Points to spend',
    amountHint: 'Empty: exactly "to pay" less the points spent.',
    save: 'Mark as done',
    badAmount: 'Amount: a number from 0 to 10,000,000, e.g. 1900 or 1900.50.',
    badPoints: 'Points: a whole number from 0.',
    tooManyPoints: (n: number) => `At most ${n} points can be spent.`,
    notStarted: 'The visit has not begun yet: mark it once it has.',
    closed: 'The visit is already closed.',
    notYours: 'This visit is not available to you.',
  },
};
type Texts = (typeof TEXT)['en'];

/** "1 900,50" or "1900.5" → 1900.5; anything else → NaN. */
export function parseAmount(raw: string): number {
  const s = raw.replace(/[\s\u00a0]/g, '').replace(',', '.');
  return /^\d{1,8}(\.\d{1,2})?$/.test(s) ? Number(s) : Number.NaN;
}

interface Typed {
  amount: string;
  points: string;
}

/**
 * Completing a visit at the desk: the page shows exactly what the client was promised (price,
 * discount, coupon, amount due) and the points they may spend; the staff member confirms it or
 * corrects the amount. The same domain call as the master's Done button in the bot.
 */
export function registerVisitCompletePage(
  scope: FastifyInstance,
  deps: { visits: VisitService; source: VisitSource; clock?: () => Date },
): void {
  const now = () => deps.clock?.() ?? new Date();
  const actorOf = (user: PanelUser, ip: string): Actor => ({ type: 'staff', id: user.id, ip });

  /** The visit if this staff member may complete it: the role table, then the source's scope. */
  async function visible(user: unknown, id: string, ip: string) {
    if (!isPanelUser(user) || !can(user, 'Visit', 'complete')) return null;
    const row = await deps.source.findOne(id, actorOf(user, ip));
    if (!row) return null;
    const visit = await deps.visits.get(id);
    return visit ? { user, row, visit } : null;
  }

  async function render(
    reply: FastifyReply,
    user: PanelUser,
    client: string,
    visit: VisitView,
    typed: Typed,
    message: string | null,
  ) {
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const p = await deps.visits.promised(visit);
    const when = DateTime.fromJSDate(visit.startsAt, { zone: visit.timeZone }).toFormat(
      'dd.MM.yyyy HH:mm',
    );
    const open = visit.status === 'booked' || visit.status === 'confirmed';
    const rows: [string, string][] = [
      [t.price, formatAmount(p.price)],
      [t.discount, `${p.discountPct} %`],
      [t.coupon, p.coupon ? `${p.coupon.code} (${p.coupon.percent} %)` : t.none],
      [t.due, formatAmount(p.due)],
      [t.balance, String(p.pointsBalance)],
      [t.spendable, String(p.spendablePoints)],
    ];
    const body = `<p>${esc(`${when} · ${visit.service} · ${visit.master}${client ? ` · ${client}` : ''}`)}</p>
${notice(message)}
<h2>${t.promised}</h2>
<dl id="promised">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
${
  open
    ? `<form method="post" action="${completePath(visit.id)}">
<label>${t.amount} <input name="amount" inputmode="decimal" maxlength="${MAX_INPUT}" value="${esc(typed.amount)}" placeholder="${esc(formatAmount(p.due))}" autocomplete="off"></label>
<label>${t.points} <input name="points" inputmode="numeric" maxlength="${MAX_INPUT}" value="${esc(typed.points)}" placeholder="0" autocomplete="off"></label>
<p><small>${t.amountHint}</small></p>
<button type="submit">${t.save}</button></form>`
    : `<p class="error">${t.closed}</p>`
}`;
    return reply.type('text/html').send(
      panelPage({
        title: t.title,
        lang: user.locale,
        back: { href: `${ADMIN_ROOT}/resources/Visit/records/${visit.id}/show`, label: t.back },
        body,
      }),
    );
  }

  scope.get<{ Params: { id: string } }>(completePath(':id'), async (request, reply) => {
    if (!can(request.session.get('adminUser'), 'Visit', 'complete'))
      return reply.code(403).send({ error: 'forbidden' });
    const found = await visible(request.session.get('adminUser'), request.params.id, request.ip);
    if (!found) return reply.code(404).send({ error: 'not found' });
    return render(
      reply,
      found.user,
      String(found.row.client ?? ''),
      found.visit,
      { amount: '', points: '' },
      null,
    );
  });

  scope.post<{ Params: { id: string } }>(completePath(':id'), async (request, reply) => {
    if (!can(request.session.get('adminUser'), 'Visit', 'complete'))
      return reply.code(403).send({ error: 'forbidden' });
    const found = await visible(request.session.get('adminUser'), request.params.id, request.ip);
    if (!found) return reply.code(404).send({ error: 'not found' });
    const { user, visit } = found;
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const typed: Typed = {
      amount: typeof body.amount === 'string' ? body.amount.trim().slice(0, MAX_INPUT) : '',
      points: typeof body.points === 'string' ? body.points.trim().slice(0, MAX_INPUT) : '',
    };
    const again = (status: number, message: string) =>
      render(reply.code(status), user, String(found.row.client ?? ''), visit, typed, message);
    const amount = typed.amount === '' ? undefined : parseAmount(typed.amount);
    if (amount !== undefined && Number.isNaN(amount)) return again(400, t.badAmount);
    const points = typed.points === '' ? 0 : Number(typed.points);
    if (!/^\d{0,7}$/.test(typed.points) || !Number.isSafeInteger(points))
      return again(400, t.badPoints);
    try {
      await deps.visits.complete(visit.id, { amount, points }, actorOf(user, request.ip), now());
    } catch (err) {
      if (err instanceof VisitNotStartedError) return again(409, t.notStarted);
      if (err instanceof InvalidInputError && err.field === 'points')
        return again(400, t.tooManyPoints((await deps.visits.promised(visit)).spendablePoints));
      if (err instanceof InvalidInputError) return again(400, t.badAmount);
      if (err instanceof DomainError) return again(409, t.closed);
      throw err;
    }
    return reply.redirect(`${ADMIN_ROOT}/resources/Visit/records/${visit.id}/show`);
  });
}
