import type { ActionContext, ActionRequest, ActionResponse, RecordJSON } from 'adminjs';
import { z } from 'zod';
import type { Actor } from '../../../domain/actor.js';
import { DomainError, InvalidInputError } from '../../../domain/errors.js';
import { formatAmount } from '../../../domain/visits/format-when.js';
import { VisitNotStartedError } from '../../../domain/visits/visit-rules.js';
import type { VisitService } from '../../../domain/visits/visit-service.js';
import { can, isPanelUser, type PanelAction, type PanelUser } from '../access.js';
import { Components } from '../components/loader.js';
import { parseRequest } from '../request-schema.js';
import { notice, postOnlyRecordAction, showUrl } from './record-actions.js';

const OPEN = ['booked', 'confirmed'];

/** "1 900,50" or "1900.5" → 1900.5; anything else → NaN. */
export function parseAmount(raw: string): number {
  const s = raw.replace(/[\s\u00a0]/g, '').replace(',', '.');
  return /^\d{1,8}(\.\d{1,2})?$/.test(s) ? Number(s) : Number.NaN;
}

/**
 * The completion form's body: both fields optional text. Bounded loosely here, so that a long
 * typing slip is answered by what the field expects (badAmount), not a bare "too long".
 */
const completionBody = z.object({
  amount: z.string().max(10_000).optional().default(''),
  points: z.string().max(10_000).optional().default(''),
});

type Reply = { code?: (status: number) => unknown };
/**
 * A refusal, in the request schema's shape (`error`, `fields` of message keys) with the notice
 * AdminJS shows and the values for the message (`options`).
 */
function refuse(
  reply: unknown,
  status: number,
  record: RecordJSON,
  key: string,
  field?: 'amount' | 'points',
  options: Record<string, unknown> = {},
): ActionResponse {
  (reply as Reply).code?.(status);
  const message = `CompleteVisit.${key}`;
  return {
    record,
    error: `${field ?? 'visit'}: ${key}`,
    fields: field ? { [field]: message } : {},
    options,
    notice: { message, type: 'error', resourceId: 'Visit', options },
  };
}

const actorOf = (user: PanelUser): Actor => ({
  type: 'staff',
  id: user.id,
  ip: (user as { ip?: string }).ip ?? null,
});

/**
 * Completing a visit at the desk (components/complete-visit): the page shows what the client was
 * promised (price, discount, coupon, amount due) and the points they may spend; the staff member
 * confirms it or corrects the amount. The same domain call as the master's Done in the bot.
 */
function completeAction(visits: VisitService, clock: () => Date) {
  return {
    actionType: 'record' as const,
    icon: 'Check',
    component: Components.CompleteVisit,
    isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, 'Visit', 'complete'),
    // Offered on open visits only; a closed one is refused by the handler whatever is posted.
    isVisible: ({ currentAdmin, record }: ActionContext) =>
      can(currentAdmin, 'Visit', 'complete') && OPEN.includes(String(record?.params.status ?? '')),
    handler: async (
      request: ActionRequest,
      reply: unknown,
      context: ActionContext,
    ): Promise<ActionResponse> => {
      const user = context.currentAdmin;
      const record = context.record;
      if (!isPanelUser(user) || !record) throw new Error('no user or record');
      const id = String(record.id());
      // The record came through the visit store, so it is within this user's scope.
      const visit = await visits.get(id);
      if (!visit) throw new Error(`visit ${id} vanished`);
      const promised = await visits.promised(visit);
      const json = record.toJSON(user);
      const withPromised: RecordJSON = {
        ...json,
        params: {
          ...json.params,
          'promised.price': formatAmount(promised.price),
          'promised.discountPct': promised.discountPct,
          'promised.coupon': promised.coupon
            ? `${promised.coupon.code} (${promised.coupon.percent} %)`
            : '',
          'promised.due': formatAmount(promised.due),
          'promised.pointsBalance': promised.pointsBalance,
          'promised.spendablePoints': promised.spendablePoints,
          'promised.open': OPEN.includes(visit.status),
        },
      };
      if (request.method !== 'post') return { record: withPromised };

      const body = parseRequest(completionBody, request.payload);
      const typed = { amount: body.amount.trim(), points: body.points.trim() };
      const amount = typed.amount === '' ? undefined : parseAmount(typed.amount);
      if (amount !== undefined && Number.isNaN(amount))
        return refuse(reply, 400, withPromised, 'badAmount', 'amount');
      if (!/^\d{0,7}$/.test(typed.points))
        return refuse(reply, 400, withPromised, 'badPoints', 'points');
      const points = typed.points === '' ? 0 : Number(typed.points);
      try {
        await visits.complete(id, { amount, points }, actorOf(user), clock());
      } catch (err) {
        if (err instanceof VisitNotStartedError)
          return refuse(reply, 409, withPromised, 'notStarted');
        if (err instanceof InvalidInputError && err.field === 'points')
          return refuse(reply, 400, withPromised, 'tooManyPoints', 'points', {
            n: (await visits.promised(visit)).spendablePoints,
          });
        if (err instanceof InvalidInputError)
          return refuse(reply, 400, withPromised, 'badAmount', 'amount');
        if (err instanceof DomainError) return refuse(reply, 409, withPromised, 'closed');
        throw err;
      }
      const fresh = await context.resource.findOne(id, context);
      return {
        record: (fresh ?? record).toJSON(user),
        notice: { message: 'CompleteVisit.completed', type: 'success', resourceId: 'Visit' },
        redirectUrl: showUrl(context, 'Visit', id),
      };
    },
  };
}

/**
 * Done (with its page), cancel and no-show on a visit, as AdminJS record actions: the role table
 * decides who, the visit store's scope decides whose visits (AdminJS loads the record first).
 */
export function visitActions(visits: VisitService, clock: () => Date = () => new Date()) {
  const action = (name: PanelAction, guard: 'guardCancel' | 'guardNoShow') => ({
    icon: name === 'cancel' ? 'X' : 'UserX',
    // A message key: AdminJS translates it in the user's language (locales/ru.ts).
    guard,
    isAccessible: ({ currentAdmin, record }: ActionContext) =>
      can(currentAdmin, 'Visit', name) && OPEN.includes(String(record?.params.status ?? '')),
    ...postOnlyRecordAction(async (context) => {
      const user = context.currentAdmin;
      const record = context.record;
      if (!isPanelUser(user)) throw new Error('no user');
      const back = showUrl(context, 'Visit', String(record.id()));
      try {
        if (name === 'cancel') await visits.cancelByStaff(String(record.id()), actorOf(user));
        else await visits.markNoShow(String(record.id()), actorOf(user), clock());
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        return {
          record: record.toJSON(user),
          notice: { ...notice('visitRefused', 'error'), resourceId: 'Visit' },
          redirectUrl: back,
        };
      }
      const fresh = await context.resource.findOne(String(record.id()), context);
      return {
        record: (fresh ?? record).toJSON(user),
        notice: {
          ...notice(name === 'cancel' ? 'visitCancelled' : 'visitNoShow', 'success'),
          resourceId: 'Visit',
        },
        redirectUrl: back,
      };
    }),
  });
  return {
    complete: completeAction(visits, clock),
    cancel: action('cancel', 'guardCancel'),
    noShow: action('noShow', 'guardNoShow'),
  };
}
