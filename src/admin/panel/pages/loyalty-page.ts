import type { AdminPage } from 'adminjs';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../../../db/schema.js';
import { InvalidInputError } from '../../../domain/errors.js';
import type { LoyaltyService } from '../../../domain/loyalty/loyalty-service.js';
import { salonTimeZone } from '../../../domain/salon-zone.js';
import { canOpenPage } from '../access.js';
import { Components } from '../components/loader.js';
import { readRequest } from '../request-schema.js';
import { checkLoyaltyForm, loyaltyFormSchema, toForm } from './loyalty-form.js';
import { adminPage, isPost, pageUser, refuse, staffActor } from './page-input.js';

export const LOYALTY_PAGE = 'loyalty';

/**
 * The loyalty rules as one form: referral steps, levels, caps and points; saving goes through
 * LoyaltyService.setRules (a new, audited version). With it, who saved which version when, in
 * the salon's time. Those who may only read get the form read-only.
 */
export function loyaltyPage(deps: { loyalty: LoyaltyService; db: Kysely<Database> }): AdminPage {
  async function current(user: unknown, saved?: number) {
    const [{ rules }, history, zone] = await Promise.all([
      deps.loyalty.rules(),
      deps.loyalty.rulesHistory(),
      salonTimeZone(deps.db),
    ]);
    return {
      form: toForm(rules),
      editable: canOpenPage(user, LOYALTY_PAGE, 'POST'),
      history: history.map((h) => ({
        version: h.version,
        by: h.by,
        at: DateTime.fromJSDate(h.at, { zone }).toFormat('yyyy-MM-dd HH:mm'),
      })),
      ...(saved !== undefined ? { saved } : {}),
    };
  }

  return adminPage(Components.Loyalty, 'Gift', async (request, reply, context) => {
    const user = pageUser(LOYALTY_PAGE, request, context);
    if (!isPost(request)) return current(user);
    const read = readRequest(loyaltyFormSchema, request.payload);
    if ('errors' in read) return refuse(reply, 400, read);
    const checked = checkLoyaltyForm(read.data);
    if ('errors' in checked) return refuse(reply, 400, checked);
    try {
      const version = await deps.loyalty.setRules(checked.rules, staffActor(user, request));
      return current(user, version);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      return refuse(reply, 400, { errors: { [err.field]: { key: 'invalid' } } });
    }
  });
}
