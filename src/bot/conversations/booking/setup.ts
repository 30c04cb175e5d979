import type { BookableServices } from '../../../domain/booking/booking-service.js';
import { DomainError } from '../../../domain/errors.js';
import type { BotServices, ConversationContext } from '../../context.js';
import { visitErrorText } from '../../errors.js';
import type { Conv } from '../kit/kit.js';
import type { BookingStart, Moving } from './draft.js';

export type Setup =
  | { error: 'menu-register-first' }
  | { errorText: string }
  | { clientId: string; catalogue: BookableServices; discount: number; moving: Moving | null };

/** Who books, what can be booked, and the visit being moved (if it still may be). */
export function loadSetup(
  conversation: Conv,
  ctx: ConversationContext,
  services: BotServices,
  userId: number,
  start: BookingStart,
): Promise<Setup> {
  const t = ctx.t.bind(ctx);
  return conversation.external(async (): Promise<Setup> => {
    const client = await services.clients.identityOfTelegramUser(userId);
    if (!client) return { error: 'menu-register-first' as const };
    const catalogue = await services.booking.bookableServices();
    if (!start.visitId) return { clientId: client.id, catalogue, discount: 0, moving: null };
    try {
      const visit = await services.visits.ofClient(client.id, start.visitId);
      await services.visits.checkChangeable(visit, services.clock());
      return {
        clientId: client.id,
        catalogue,
        discount: visit.discountPct,
        moving: {
          id: visit.id,
          serviceId: visit.serviceId,
          service: visit.service,
          masterId: visit.masterId,
          master: visit.master,
          branchId: visit.branchId,
          timeZone: visit.timeZone,
          startsAt: visit.startsAt.getTime(),
        },
      };
    } catch (err) {
      if (err instanceof DomainError) return { errorText: visitErrorText(t, err) };
      throw err;
    }
  });
}
