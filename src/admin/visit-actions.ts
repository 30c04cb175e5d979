import type { ActionContext, ActionRequest, ActionResponse } from 'adminjs';
import type { Actor } from '../domain/actor.js';
import { DomainError } from '../domain/errors.js';
import type { VisitService } from '../domain/visits/visit-service.js';
import { can, isPanelUser, type PanelAction } from './access.js';

const OPEN = ['booked', 'confirmed'];

/** Notices in the staff member's language. */
const TEXT = {
  ru: {
    complete: 'Визит отмечен как состоявшийся, оплата — как обещано клиенту.',
    cancel: 'Визит отменён; клиенту сообщено.',
    noShow: 'Отмечено: клиент не пришёл.',
    refused: 'Нельзя: визит уже закрыт или ещё не начался.',
  },
  en: {
    complete: 'The visit is marked done, paid as the client was promised.',
    cancel: 'The visit is cancelled; the client has been told.',
    noShow: 'Marked as a no-show.',
    refused: 'Not possible: the visit is closed or has not started yet.',
  },
};

/**
 * Done, cancel and no-show on a visit, as AdminJS record actions: the role table decides who,
 * the visit source's scope decides whose visits (AdminJS loads the record through it first).
 */
export function visitActions(visits: VisitService, clock: () => Date = () => new Date()) {
  const action = (name: PanelAction, guard: 'guardComplete' | 'guardCancel' | 'guardNoShow') => ({
    actionType: 'record',
    component: false,
    icon: name === 'complete' ? 'Check' : name === 'cancel' ? 'X' : 'UserX',
    // A message key: AdminJS translates it in the user's language (locales/ru.ts).
    guard,
    isAccessible: ({ currentAdmin, record }: ActionContext) =>
      can(currentAdmin, 'Visit', name) && OPEN.includes(String(record?.params.status ?? '')),
    handler: async (
      _request: ActionRequest,
      _response: unknown,
      context: ActionContext,
    ): Promise<ActionResponse> => {
      const user = context.currentAdmin;
      const t = isPanelUser(user) && user.locale === 'en' ? TEXT.en : TEXT.ru;
      const record = context.record;
      if (!record || !isPanelUser(user)) throw new Error('no record');
      const actor: Actor = { type: 'staff', id: user.id, ip: (user as { ip?: string }).ip ?? null };
      try {
        if (name === 'complete') await visits.complete(String(record.id()), {}, actor, clock());
        else if (name === 'cancel') await visits.cancelByStaff(String(record.id()), actor);
        else await visits.markNoShow(String(record.id()), actor, clock());
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        return { record: record.toJSON(user), notice: { message: t.refused, type: 'error' } };
      }
      const fresh = await context.resource.findOne(String(record.id()), context);
      return {
        record: (fresh ?? record).toJSON(user),
        notice: { message: t[name as 'complete' | 'cancel' | 'noShow'], type: 'success' },
      };
    },
  });
  return {
    complete: action('complete', 'guardComplete'),
    cancel: action('cancel', 'guardCancel'),
    noShow: action('noShow', 'guardNoShow'),
  };
}
