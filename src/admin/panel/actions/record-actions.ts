import type { ActionContext, ActionRequest, ActionResponse } from 'adminjs';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import type { ClientService } from '../../../domain/clients/client-service.js';
import { DomainError, InvalidInputError } from '../../../domain/errors.js';
import type { CardService } from '../../../domain/loyalty/card-service.js';
import { retryMessage } from '../../../domain/outbox/outbox.js';
import type { StaffService } from '../../../domain/staff/staff-service.js';
import { can, isPanelUser, type PanelAction, type PanelResource } from '../access.js';
import { Components } from '../components/loader.js';

/**
 * A record action's notice: a message key of the panel locale (`messages.Notices.*`, in
 * locales/screens/notices.ts) with its values; AdminJS's notice translates it in the user's
 * language.
 */
export interface Notice {
  message: string;
  type: 'success' | 'error';
  options?: Record<string, string | number>;
}

/** A notice from `messages.Notices.<key>`. */
export const notice = (key: string, type: Notice['type'], options?: Notice['options']): Notice => ({
  message: `Notices.${key}`,
  type,
  ...(options ? { options } : {}),
});

/**
 * What every record action that changes state shares: its page asks and then POSTs
 * (ConfirmRecordAction); a GET only loads the record for that page and never acts, so a link
 * to the action's address, however it is opened, changes nothing.
 */
export function postOnlyRecordAction(
  act: (
    context: ActionContext & { record: NonNullable<ActionContext['record']> },
  ) => Promise<ActionResponse>,
) {
  return {
    actionType: 'record' as const,
    component: Components.ConfirmRecordAction,
    handler: async (
      request: ActionRequest,
      _response: unknown,
      context: ActionContext,
    ): Promise<ActionResponse> => {
      const record = context.record;
      if (!record) throw new Error('no record');
      if (request.method !== 'post') return { record: record.toJSON(context.currentAdmin) };
      return act({ ...context, record });
    },
  };
}

/** Where the panel goes after a record action: back to the record. */
export function showUrl(context: ActionContext, resource: PanelResource, id: string): string {
  return context.h.recordActionUrl({ resourceId: resource, recordId: id, actionName: 'show' });
}

/**
 * A record action of our own, without a page: AdminJS asks to confirm (guard), runs it, shows
 * the notice. Who may run it is the role table's; the record was loaded through the record store.
 */
export function recordAction(
  resource: PanelResource,
  name: PanelAction,
  options: {
    icon: string;
    guard: string;
    variant?: 'danger';
    run: (id: string, actor: Actor) => Promise<Notice>;
    /** After the action the record may be gone (erasure): go back to the list. */
    thenList?: boolean;
  },
) {
  return {
    icon: options.icon,
    guard: options.guard,
    ...(options.variant ? { variant: options.variant } : {}),
    isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, resource, name),
    ...postOnlyRecordAction(async (context) => {
      const user = context.currentAdmin;
      const record = context.record;
      if (!isPanelUser(user)) throw new Error('no user');
      const actor: Actor = { type: 'staff', id: user.id, ip: (user as { ip?: string }).ip ?? null };
      let said: Notice;
      try {
        said = await options.run(String(record.id()), actor);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        said = notice('refused', 'error');
      }
      const shown = { ...said, resourceId: resource };
      if (options.thenList && said.type === 'success')
        return {
          record: record.toJSON(user),
          notice: shown,
          redirectUrl: context.h.resourceUrl({ resourceId: resource }),
        };
      const fresh = await context.resource.findOne(String(record.id()), context);
      return {
        record: (fresh ?? record).toJSON(user),
        notice: shown,
        redirectUrl: showUrl(context, resource, String(record.id())),
      };
    }),
  };
}

/** Client card actions: a new loyalty card (the old number stops working) and erasure. */
export function clientActions(deps: { clients: ClientService; cards: CardService }) {
  return {
    reissueCard: recordAction('Client', 'reissueCard', {
      icon: 'CreditCard',
      guard: 'guardReissueCard',
      run: async (id, actor) =>
        notice('cardReissued', 'success', { number: await deps.cards.reissue(id, actor) }),
    }),
    erase: recordAction('Client', 'erase', {
      icon: 'Trash2',
      variant: 'danger',
      guard: 'guardErase',
      thenList: true,
      run: async (id, actor) => {
        await deps.clients.erase(id, actor);
        return notice('clientErased', 'success');
      },
    }),
  };
}

/** Why a staff action was refused, for the person who asked. */
function staffRefusal(err: unknown): Notice {
  if (err instanceof InvalidInputError && err.code === 'owner-only')
    return notice('ownerOnly', 'error');
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
      run: async (id, actor) => {
        const user = await deps.staff.getById(id);
        if (!user) return notice('notFound', 'error');
        try {
          const { code } = await deps.staff.createLinkCode(user.email, actor);
          return notice('linkCode', 'success', { code });
        } catch (err) {
          return staffRefusal(err);
        }
      },
    }),
    resetPassword: recordAction('StaffUser', 'resetPassword', {
      icon: 'Key',
      guard: 'guardResetPassword',
      run: async (id, actor) => {
        const user = await deps.staff.getById(id);
        if (!user) return notice('notFound', 'error');
        try {
          const password = await deps.staff.resetPassword(user.email, actor);
          return notice('oneTimePassword', 'success', { password });
        } catch (err) {
          return staffRefusal(err);
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
      run: async (id, actor) =>
        (await retryMessage(deps.db, id, actor))
          ? notice('retried', 'success')
          : notice('notRetriable', 'error'),
    }),
  };
}
