import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Actor } from '../domain/actor.js';
import { exportClientData } from '../domain/clients/client-export.js';
import { mergeClients, mergedFields } from '../domain/clients/client-merge.js';
import { type Client, type ClientService, isUuid } from '../domain/clients/client-service.js';
import { formatBirthday } from '../domain/clients/normalise.js';
import { DomainError, InvalidInputError } from '../domain/errors.js';
import type { ClientMessages } from '../domain/messages/client-messages.js';
import { can, isPanelUser, type PanelUser } from './access.js';
import { esc, notice, panelPage } from './page-shell.js';
import { ADMIN_ROOT } from './paths.js';
import type { ClientSource } from './resources/client-source.js';

export const exportJsonPath = (id: string) => `${ADMIN_ROOT}/clients/${id}/export.json`;
export const mergePath = (id: string) => `${ADMIN_ROOT}/clients/${id}/merge`;
const MAX_QUERY = 100;

const TEXT = {
  ru: {
    title: 'Объединить карточки клиента',
    back: '← К карточке',
    lead: 'Найдите дубликат по телефону, номеру карты или имени. Эта карточка останется; визиты, баллы, купоны, друзья и согласия дубликата перейдут в неё, недостающие данные дополнятся, а дубликат будет стёрт.',
    find: 'Найти',
    query: 'Телефон, карта или имя',
    none: 'Никого не нашли.',
    choose: 'Выбрать',
    keep: 'Остаётся',
    other: 'Дубликат (будет стёрт)',
    result: 'Получится',
    merge: 'Объединить',
    merged: (n: number) => `Объединено. Перенесено визитов: ${n}.`,
    tooLong: 'Заметки или аллергии вместе получаются слишком длинными — сократите их и повторите.',
    gone: 'Одной из карточек уже нет.',
    same: 'Это та же самая карточка.',
    fields: {
      name: 'Имя',
      phone: 'Телефон',
      birthday: 'День рождения',
      notes: 'Заметки',
      allergies: 'Аллергии',
      preferences: 'Предпочтения',
      tags: 'Метки',
      telegram: 'Telegram',
    },
    yes: 'привязан',
    no: '—',
  },
  en: {
    title: 'Merge client cards',
    back: '← To the card',
    lead: "Find the duplicate by phone, card number or name. This card stays; the duplicate's visits, points, coupons, friends and consents move to it, missing details are filled in, and the duplicate is erased.",
    find: 'Find',
    query: 'Phone, card or name',
    none: 'No one found.',
    choose: 'Choose',
    keep: 'Stays',
    other: 'Duplicate (will be erased)',
    result: 'Result',
    merge: 'Merge',
    merged: (n: number) => `Merged. Visits moved: ${n}.`,
    tooLong: 'Notes or allergies together would be too long: shorten them and try again.',
    gone: 'One of the cards is gone.',
    same: 'That is the same card.',
    fields: {
      name: 'Name',
      phone: 'Phone',
      birthday: 'Birthday',
      notes: 'Notes',
      allergies: 'Allergies',
      preferences: 'Preferences',
      tags: 'Tags',
      telegram: 'Telegram',
    },
    yes: 'linked',
    no: '—',
  },
};
type Texts = (typeof TEXT)['en'];

function facts(c: Client, t: Texts): [string, string][] {
  return [
    [t.fields.name, c.name ?? ''],
    [t.fields.phone, c.phone ?? ''],
    [t.fields.birthday, c.birthday ? formatBirthday(c.birthday) : ''],
    [t.fields.notes, c.notes ?? ''],
    [t.fields.allergies, c.allergies ?? ''],
    [t.fields.preferences, c.preferences ?? ''],
    [t.fields.tags, c.tags.join(', ')],
    [t.fields.telegram, c.telegramUserId === null ? t.no : t.yes],
  ];
}

/**
 * A client's own pages beside the AdminJS card: their data as JSON (a subject access request),
 * and merging a duplicate card into this one. The role table decides who; both are audited.
 */
export function registerClientPages(
  scope: FastifyInstance,
  deps: {
    db: Kysely<Database>;
    clients: ClientService;
    messages: ClientMessages;
    source: ClientSource;
  },
): void {
  const actorOf = (user: PanelUser, ip: string): Actor => ({ type: 'staff', id: user.id, ip });
  const allowed = (user: unknown, action: 'exportData' | 'merge'): user is PanelUser =>
    isPanelUser(user) && can(user, 'Client', action);

  scope.get<{ Params: { id: string } }>(exportJsonPath(':id'), async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!allowed(user, 'exportData')) return reply.code(403).send({ error: 'forbidden' });
    if (!isUuid(request.params.id)) return reply.code(404).send({ error: 'not found' });
    try {
      const data = await exportClientData(deps, request.params.id, actorOf(user, request.ip));
      return reply
        .header('content-disposition', `attachment; filename="client-${request.params.id}.json"`)
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(data, null, 2));
    } catch (err) {
      if (err instanceof DomainError) return reply.code(404).send({ error: 'not found' });
      throw err;
    }
  });

  async function render(
    reply: FastifyReply,
    user: PanelUser,
    ip: string,
    keptId: string,
    query: string,
    otherId: string | null,
    message: { text: string; kind: 'error' | 'ok' } | null,
  ) {
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const actor = actorOf(user, ip);
    const kept = await deps.clients.get(keptId, actor);
    if (!kept || kept.erasedAt) return reply.code(404).send({ error: 'not found' });
    let body = `<p>${t.lead}</p>${message ? notice(message.text, message.kind) : ''}
<form method="get" action="${mergePath(keptId)}"><label>${t.query} <input name="q" maxlength="${MAX_QUERY}" value="${esc(query)}" autocomplete="off"></label>
<button type="submit" class="secondary">${t.find}</button></form>`;
    if (query !== '') {
      const found = (await deps.source.find({ name: query }, { limit: 10, offset: 0 })).filter(
        (p) => p.id !== keptId,
      );
      body +=
        found.length === 0
          ? `<p>${t.none}</p>`
          : `<table id="candidates">${found
              .map(
                (p) =>
                  `<tr><td>${esc(String(p.name ?? ''))}</td><td>${esc(String(p.phone ?? ''))}</td><td>${esc(String(p.birthday ?? ''))}</td>
<td><a href="${mergePath(keptId)}?q=${encodeURIComponent(query)}&amp;with=${esc(String(p.id))}">${t.choose}</a></td></tr>`,
              )
              .join('')}</table>`;
    }
    const other = otherId && isUuid(otherId) ? await deps.clients.get(otherId, actor) : null;
    if (other && !other.erasedAt && other.id !== kept.id) {
      const result = { ...kept, ...mergedFields(kept, other) } as Client;
      const a = facts(kept, t);
      const b = facts(other, t);
      const c = facts(result, t);
      body += `<table id="preview"><tr><th></th><th>${t.keep}</th><th>${t.other}</th><th>${t.result}</th></tr>${a
        .map(
          ([label, value], i) =>
            `<tr><th>${esc(label)}</th><td>${esc(value)}</td><td>${esc(b[i]?.[1] ?? '')}</td><td>${esc(c[i]?.[1] ?? '')}</td></tr>`,
        )
        .join('')}</table>
<form method="post" action="${mergePath(keptId)}"><input type="hidden" name="with" value="${esc(other.id)}">
<button type="submit">${t.merge}</button></form>`;
    }
    return reply.type('text/html').send(
      panelPage({
        title: t.title,
        lang: user.locale,
        back: { href: `${ADMIN_ROOT}/resources/Client/records/${keptId}/show`, label: t.back },
        body,
        style: 'td{white-space:pre-wrap;vertical-align:top}',
      }),
    );
  }

  scope.get<{ Params: { id: string }; Querystring: { q?: string; with?: string } }>(
    mergePath(':id'),
    async (request, reply) => {
      const user = request.session.get('adminUser');
      if (!allowed(user, 'merge')) return reply.code(403).send({ error: 'forbidden' });
      if (!isUuid(request.params.id)) return reply.code(404).send({ error: 'not found' });
      const q = typeof request.query.q === 'string' ? request.query.q.trim() : '';
      return render(
        reply,
        user,
        request.ip,
        request.params.id,
        q.slice(0, MAX_QUERY),
        typeof request.query.with === 'string' ? request.query.with : null,
        null,
      );
    },
  );

  scope.post<{ Params: { id: string } }>(mergePath(':id'), async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!allowed(user, 'merge')) return reply.code(403).send({ error: 'forbidden' });
    if (!isUuid(request.params.id)) return reply.code(404).send({ error: 'not found' });
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const otherId = typeof body.with === 'string' ? body.with : '';
    const fail = (status: number, text: string) =>
      render(reply.code(status), user, request.ip, request.params.id, '', null, {
        text,
        kind: 'error',
      });
    try {
      const done = await mergeClients(deps, request.params.id, otherId, actorOf(user, request.ip));
      return render(reply, user, request.ip, request.params.id, '', null, {
        text: t.merged(done.visits),
        kind: 'ok',
      });
    } catch (err) {
      if (err instanceof InvalidInputError)
        return fail(400, err.code === 'same' ? t.same : t.tooLong);
      if (err instanceof DomainError) return fail(404, t.gone);
      throw err;
    }
  });
}
