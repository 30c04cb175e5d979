import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { salonStats } from '../domain/stats/salon-stats.js';
import { isPanelUser } from './access.js';
import { esc, panelPage } from './page-shell.js';
import { ADMIN_ROOT } from './paths.js';

export const STATS_PATH = `${ADMIN_ROOT}/stats`;
const ROLES = ['owner', 'admin', 'manager', 'analyst'];

const TEXT = {
  ru: {
    title: 'Салон в цифрах',
    clients: 'Клиенты',
    total: 'Всего',
    fresh: 'Новых за 30 дней',
    telegram: 'В Telegram',
    marketing: 'Согласны на рассылки',
    visits: 'Визиты за 30 дней',
    status: {
      booked: 'записаны',
      confirmed: 'подтверждены',
      done: 'состоялись',
      cancelled: 'отменены',
      no_show: 'не пришли',
    },
    revenue: 'Выручка за 30 дней',
    ticket: 'Средний чек',
    ratings: 'Оценки',
    average: 'Средняя',
    low: 'Низких (2 и меньше)',
    referrals: 'Друзья',
    pending: 'Ждут первого визита',
    qualified: 'Засчитаны',
    sources: 'Откуда клиенты',
    winback: 'Возврат клиентов',
    sent: 'Отправлено',
    back: 'Вернулись за 60 дней',
    outbox: 'Очередь сообщений',
    failed: 'С ошибкой',
  },
  en: {
    title: 'The salon in numbers',
    clients: 'Clients',
    total: 'Total',
    fresh: 'New in 30 days',
    telegram: 'In Telegram',
    marketing: 'Accept marketing',
    visits: 'Visits in 30 days',
    status: {
      booked: 'booked',
      confirmed: 'confirmed',
      done: 'done',
      cancelled: 'cancelled',
      no_show: 'no-show',
    },
    revenue: 'Revenue in 30 days',
    ticket: 'Average ticket',
    ratings: 'Ratings',
    average: 'Average',
    low: 'Low (2 or less)',
    referrals: 'Friends',
    pending: 'Waiting for a first visit',
    qualified: 'Counted',
    sources: 'Where clients come from',
    winback: 'Win-back',
    sent: 'Sent',
    back: 'Came back within 60 days',
    outbox: 'Message queue',
    failed: 'Failed',
  },
};

/** Aggregates for owners, admins, managers and analysts: numbers only, no one named. */
export function registerStatsPage(
  scope: FastifyInstance,
  deps: { db: Kysely<Database>; clock?: () => Date },
): void {
  scope.get(STATS_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!isPanelUser(user) || !ROLES.includes(user.role))
      return reply.code(403).send({ error: 'forbidden' });
    const t = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const s = await salonStats(deps.db, deps.clock?.() ?? new Date());
    const card = (title: string, rows: [string, string | number][]) =>
      `<section><h2>${esc(title)}</h2><dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(String(v))}</dd>`).join('')}</dl></section>`;
    const body = `<div class="grid">
${card(t.clients, [
  [t.total, s.clients.total],
  [t.fresh, s.clients.newLast30],
  [t.telegram, s.clients.inTelegram],
  [t.marketing, s.clients.marketing],
])}
${card(
  t.visits,
  Object.entries(s.visitsLast30).map(([k, v]) => [t.status[k as keyof typeof t.status], v]),
)}
${card(t.revenue, [
  [t.revenue, s.revenueLast30.toFixed(2)],
  [t.ticket, s.averageTicketLast30.toFixed(2)],
])}
${card(t.ratings, [
  [t.total, s.ratings.count],
  [t.average, s.ratings.average],
  [t.low, s.ratings.low],
])}
${card(t.referrals, [
  [t.pending, s.referrals.pending],
  [t.qualified, s.referrals.qualified],
])}
${card(
  t.sources,
  s.sources.map((x) => [x.name, x.clients]),
)}
${card(t.winback, [
  [t.sent, s.winback.sent],
  [t.back, s.winback.cameBack],
])}
${card(t.outbox, [
  [t.pending, s.outbox.pending],
  [t.failed, s.outbox.failed],
])}
</div>`;
    const html = panelPage({
      title: t.title,
      lang: user.locale,
      body,
      style: `main{max-width:1200px;background:none;box-shadow:none;padding:0 24px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:16px}
section{background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 2px 12px #0001}h2{font-size:16px;margin:0 0 8px}
dl{grid-template-columns:1fr auto;gap:4px 12px;margin:0}dd{text-align:right}`,
    });
    return reply.type('text/html').send(html);
  });
}
