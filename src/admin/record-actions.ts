import type { ActionContext, ActionRequest, ActionResponse } from 'adminjs';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Actor } from '../domain/actor.js';
import type { ClientService } from '../domain/clients/client-service.js';
import { DomainError, InvalidInputError } from '../domain/errors.js';
import type { CardService } from '../domain/loyalty/card-service.js';
import { retryMessage } from '../domain/outbox/outbox.js';
import type { StaffService } from '../domain/staff/staff-service.js';
import { can, isPanelUser, type PanelAction, type PanelResource } from './access.js';

type Notice = { message: string; type: 'success' | 'error' };

/**
 * A record action of our own, without a page: AdminJS asks to confirm (guard), runs it, shows
 * the notice. Who may run it is the role table's; the record was loaded through the source.
 */
export function recordAction(
  resource: PanelResource,
  name: PanelAction,
  options: {
    icon: string;
    guard: string;
    variant?: 'danger';
    run: (id: string, actor: Actor, locale: string) => Promise<Notice>;
    /** After the action the record may be gone (erasure): go back to the list. */
    thenList?: boolean;
  },
) {
  return {
    actionType: 'record',
    component: false,
    icon: options.icon,
    guard: options.guard,
    ...(options.variant ? { variant: options.variant } : {}),
    isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, resource, name),
    handler: async (
      _request: ActionRequest,
      _response: unknown,
      context: ActionContext,
    ): Promise<ActionResponse> => {
      const user = context.currentAdmin;
      const record = context.record;
      if (!record || !isPanelUser(user)) throw new Error('no record');
      const actor: Actor = { type: 'staff', id: user.id, ip: (user as { ip?: string }).ip ?? null };
      let notice: Notice;
      try {
        notice = await options.run(String(record.id()), actor, user.locale);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        notice = { message: user.locale === 'en' ? 'Not possible.' : 'Нельзя.', type: 'error' };
      }
      if (options.thenList && notice.type === 'success')
        return {
          record: record.toJSON(user),
          notice,
          redirectUrl: context.h.resourceUrl({ resourceId: resource }),
        };
      const fresh = await context.resource.findOne(String(record.id()), context);
      return { record: (fresh ?? record).toJSON(user), notice };
    },
  };
}

const ru = (locale: string) => locale !== 'en';

/** Client card actions: a new loyalty card (the old number stops working) and erasure. */
export function clientActions(deps: { clients: ClientService; cards: CardService }) {
  return {
    reissueCard: recordAction('Client', 'reissueCard', {
      icon: 'CreditCard',
      guard: 'guardReissueCard',
      run: async (id, actor, locale) => {
        const number = await deps.cards.reissue(id, actor);
        return {
          message: ru(locale) ? `Новая карта: ${number}` : `New card: ${number}`,
          type: 'success',
        };
      },
    }),
    erase: recordAction('Client', 'erase', {
      icon: 'Trash2',
      variant: 'danger',
      guard: 'guardErase',
      thenList: true,
      run: async (id, actor, locale) => {
        await deps.clients.erase(id, actor);
        return {
          message: ru(locale) ? 'Данные клиента стёрты.' : "The client's data is erased.",
          type: 'success',
        };
      },
    }),
  };
}

/** Why a staff action was refused, for the person who asked. */
function staffRefusal(err: unknown, locale: string): Notice {
  if (err instanceof InvalidInputError && err.code === 'owner_only')
    return {
      message: ru(locale)
        ? 'Это может сделать для владельца только владелец.'
        : 'Only an owner may do this for an owner.',
      type: 'error',
    };
  throw err;
}

/**
 * Staff actions: a one-time code that links the person's Telegram to their account, and a new
 * one-time password (shown once; the person must replace it at the next login).
 */
export function staffActions(deps: { staff: StaffService }) {
  return {
    linkCode: recordAction('StaffUser', 'linkCode', {
      icon: 'Send',
      guard: 'guardLinkCode',
      run: async (id, actor, locale) => {
        const user = await deps.staff.getById(id);
        if (!user) return { message: 'Not found', type: 'error' };
        try {
          const { code } = await deps.staff.createLinkCode(user.email, actor);
          return {
            message: ru(locale)
              ? `Отправьте сотруднику: /start staff_${code} (действует сутки, один раз)`
              : `Send them: /start staff_${code} (valid for a day, once)`,
            type: 'success',
          };
        } catch (err) {
          return staffRefusal(err, locale);
        }
      },
    }),
    resetPassword: recordAction('StaffUser', 'resetPassword', {
      icon: 'Key',
      guard: 'guardResetPassword',
      run: async (id, actor, locale) => {
        const user = await deps.staff.getById(id);
        if (!user) return { message: 'Not found', type: 'error' };
        try {
          const password = await deps.staff.resetPassword(user.email, actor);
          return {
            message: ru(locale)
              ? `Новый одноразовый пароль: ${password} — показан один раз; при входе его нужно будет сменить.`
              : `New one-time password: ${password} — shown once; it must be changed at the next login.`,
            type: 'success',
          };
        } catch (err) {
          return staffRefusal(err, locale);
        }
      },
    }),
  };
}

/** The message queue: send a failed or undeliverable message again. */
export function outboxActions(deps: { db: Kysely<Database> }) {
  return {
    retry: recordAction('OutboxMessage', 'retry', {
      icon: 'RefreshCw',
      guard: 'guardRetry',
      run: async (id, actor, locale) =>
        (await retryMessage(deps.db, id, actor))
          ? {
              message: ru(locale) ? 'Сообщение снова в очереди.' : 'The message is queued again.',
              type: 'success',
            }
          : {
              message: ru(locale)
                ? 'Повторить можно только неотправленное сообщение с ошибкой.'
                : 'Only a failed or undeliverable message can be sent again.',
              type: 'error',
            },
    }),
  };
}
