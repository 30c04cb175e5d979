import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../db/schema.js';
import { type BookingService, SlotTakenError } from '../domain/booking/booking-service.js';
import type { ClientService } from '../domain/clients/client-service.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { isPanelUser, type PanelUser } from './access.js';
import { esc, panelPage } from './page-shell.js';
import { ADMIN_ROOT } from './paths.js';

export const BOOK_PATH = `${ADMIN_ROOT}/book`;
const UUID = /^[0-9a-f-]{36}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Who books walk-ins and phone calls at the desk. */
export function canBookWalkIns(user: unknown): user is PanelUser {
  return isPanelUser(user) && ['owner', 'admin', 'manager'].includes(user.role);
}

const TEXT = {
  ru: {
    title: 'Запись клиента',
    lead: 'Визит без записи или по телефону: выберите услугу, мастера и день — покажем свободное время.',
    branch: 'Филиал',
    service: 'Услуга',
    master: 'Мастер',
    any: 'Любой свободный',
    day: 'День',
    show: 'Показать свободное время',
    none: 'На этот день свободного времени нет.',
    times: 'Свободное время',
    phone: 'Телефон клиента',
    name: 'Имя (для нового клиента)',
    book: 'Записать',
    taken: 'Это время только что заняли — выберите другое.',
    pickTime: 'Выберите время.',
    needName: 'Клиента с этим телефоном нет в базе — укажите имя.',
    badPhone: 'Телефон не распознан.',
    badName: 'Имя не подходит (пустое или слишком длинное).',
    back: '← К визитам',
  },
  en: {
    title: 'Book a client',
    lead: 'A walk-in or a phone call: choose the service, master and day to see the free times.',
    branch: 'Branch',
    service: 'Service',
    master: 'Master',
    any: 'Any free master',
    day: 'Day',
    show: 'Show free times',
    none: 'No free time on this day.',
    times: 'Free times',
    phone: "Client's phone",
    name: 'Name (for a new client)',
    book: 'Book',
    taken: 'That time was just taken: choose another.',
    pickTime: 'Choose a time.',
    needName: 'No client with this phone yet: give a name.',
    badPhone: 'The phone number is not valid.',
    badName: 'The name does not fit (empty or too long).',
    back: '← To visits',
  },
};
type Texts = (typeof TEXT)['en'];

interface Choice {
  branchId: string;
  serviceId: string;
  masterId: string;
  day: string;
}

/**
 * The desk's booking page: service, master (or any) and day give the free times, the same
 * offers the bot shows but without the clients' minimum lead time; booking goes through the
 * same guarantee against double booking.
 */
export function registerBookingPage(
  scope: FastifyInstance,
  deps: {
    db: Kysely<Database>;
    booking: BookingService;
    clients: ClientService;
    clock?: () => Date;
  },
): void {
  const now = () => deps.clock?.() ?? new Date();

  async function render(
    reply: FastifyReply,
    user: PanelUser,
    choice: Partial<Choice>,
    message: string | null,
  ) {
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const catalogue = await deps.booking.catalogue();
    const branch =
      catalogue.branches.find((b) => b.id === choice.branchId) ?? catalogue.branches[0];
    const services = catalogue.services.filter((s) => branch && s.branchIds.includes(branch.id));
    const service = services.find((s) => s.id === choice.serviceId);
    const masters = service
      ? (await deps.booking.mastersFor(service.id)).filter((m) => m.branchId === branch?.id)
      : [];
    const zone = branch?.timeZone ?? 'UTC';
    const day =
      choice.day && DAY.test(choice.day)
        ? choice.day
        : (DateTime.fromJSDate(now(), { zone }).toISODate() ?? '');
    const option = (value: string, label: string, selected: boolean) =>
      `<option value="${esc(value)}"${selected ? ' selected' : ''}>${esc(label)}</option>`;
    let times = '';
    if (service && branch) {
      const start = DateTime.fromISO(day, { zone });
      const offers = await deps.booking.offers(
        service.id,
        choice.masterId && UUID.test(choice.masterId) ? choice.masterId : null,
        now(),
        { from: start.toJSDate(), to: start.plus({ days: 1 }).toJSDate() },
        { leadTime: false, branchId: branch.id },
      );
      const unique = [...new Set(offers.map((o) => o.startsAt.getTime()))];
      times =
        unique.length === 0
          ? `<p>${t.none}</p>`
          : `<form method="post" action="${BOOK_PATH}"><h2>${t.times}</h2><div class="times">${unique
              .map((ms) => {
                const label = DateTime.fromMillis(ms, { zone }).toFormat('HH:mm');
                return `<label class="time"><input type="radio" name="at" value="${ms}"> ${label}</label>`;
              })
              .join('')}</div>
<input type="hidden" name="branch" value="${esc(branch.id)}"><input type="hidden" name="service" value="${esc(service.id)}">
<input type="hidden" name="master" value="${esc(choice.masterId ?? '')}"><input type="hidden" name="day" value="${esc(day)}">
<p><label>${t.phone} <input name="phone" required maxlength="40" autocomplete="off"></label>
<label>${t.name} <input name="name" maxlength="200" autocomplete="off"></label></p>
<button type="submit">${t.book}</button></form>`;
    }
    const body = `<p>${t.lead}</p>
${message ? `<p class="error" role="alert">${esc(message)}</p>` : ''}
<form method="get" action="${BOOK_PATH}">
<label>${t.branch} <select name="branch">${catalogue.branches.map((b) => option(b.id, b.name, b.id === branch?.id)).join('')}</select></label>
<label>${t.service} <select name="service">${services.map((s) => option(s.id, `${s.name} (${s.durationMin} min, ${s.price})`, s.id === service?.id)).join('')}</select></label>
<label>${t.master} <select name="master">${option('', t.any, !choice.masterId)}${masters.map((m) => option(m.masterId, m.masterName, m.masterId === choice.masterId)).join('')}</select></label>
<label>${t.day} <input type="date" name="day" value="${esc(day)}"></label>
<button type="submit">${t.show}</button></form>${times}`;
    return reply.type('text/html').send(
      panelPage({
        title: t.title,
        lang: user.locale,
        back: { href: `${ADMIN_ROOT}/resources/Visit`, label: t.back },
        body,
        style: `.times{display:flex;flex-wrap:wrap;gap:8px}.time{border:1px solid #ccd;border-radius:4px;padding:6px 10px;margin:0}`,
      }),
    );
  }

  scope.get(BOOK_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!canBookWalkIns(user)) return reply.code(403).send({ error: 'forbidden' });
    const q = request.query as Record<string, string | undefined>;
    return render(
      reply,
      user,
      {
        branchId: q.branch,
        serviceId: q.service,
        masterId: q.master,
        day: q.day,
      } as Partial<Choice>,
      null,
    );
  });

  scope.post(BOOK_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!canBookWalkIns(user)) return reply.code(403).send({ error: 'forbidden' });
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const field = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim() : '');
    const choice: Partial<Choice> = {
      branchId: field('branch'),
      serviceId: field('service'),
      masterId: field('master'),
      day: field('day'),
    };
    const at = Number(field('at'));
    if (!Number.isSafeInteger(at) || at <= 0)
      return render(reply.code(400), user, choice, t.pickTime);
    if (!UUID.test(choice.serviceId ?? '')) return render(reply.code(400), user, {}, t.pickTime);
    const actor = { type: 'staff' as const, id: user.id, ip: request.ip };
    let clientId: string;
    try {
      const [existing] = await deps.clients.findByPhone(field('phone'));
      if (existing) clientId = existing.id;
      else {
        if (field('name') === '') return render(reply.code(400), user, choice, t.needName);
        clientId = (
          await deps.clients.create({ name: field('name'), phone: field('phone') }, actor)
        ).id;
      }
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      return render(reply.code(400), user, choice, err.field === 'phone' ? t.badPhone : t.badName);
    }
    try {
      const booked = await deps.booking.bookForStaff(
        {
          clientId,
          serviceId: choice.serviceId ?? '',
          masterId: choice.masterId && UUID.test(choice.masterId) ? choice.masterId : null,
          startsAt: new Date(at),
          ...(choice.branchId && UUID.test(choice.branchId) ? { branchId: choice.branchId } : {}),
        },
        actor,
        now(),
      );
      return reply.redirect(`${ADMIN_ROOT}/resources/Visit/records/${booked.id}/show`);
    } catch (err) {
      if (err instanceof SlotTakenError) return render(reply.code(409), user, choice, t.taken);
      if (err instanceof NotFoundError) return render(reply.code(400), user, {}, t.pickTime);
      throw err;
    }
  });
}
