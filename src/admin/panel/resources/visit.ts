import type { StaffRole } from '../../../db/schema.js';
import { defineResource } from './resource-definition.js';

/** Who sees a visit whole; a master sees what the chair needs, not the money or the rota. */
const FRONT_DESK: readonly StaffRole[] = ['owner', 'admin', 'manager'];

export const VISIT_STATUSES = ['booked', 'confirmed', 'done', 'cancelled', 'no_show'] as const;

/**
 * Visits, scoped by the store to who asks (a manager their branch, a master their own); the
 * client's phone reaches a master only where the salon allows it (the store leaves it out).
 */
export const VISIT = defineResource({
  id: 'Visit',
  navigation: { name: 'CRM', icon: 'Calendar' },
  fields: {
    id: { type: 'uuid', isId: true },
    // The branch's own wall-clock time, whatever the time zone of the browser looking at it.
    startsAt: { type: 'string', isTitle: true, sortable: true },
    service: { type: 'string' },
    master: { type: 'string', see: FRONT_DESK },
    branch: { type: 'string', see: FRONT_DESK },
    status: { type: 'string', availableValues: VISIT_STATUSES },
    client: { type: 'string' },
    clientPhone: { type: 'string' },
    clientNotes: { type: 'textarea' },
    clientAllergies: { type: 'textarea' },
    price: { type: 'number', see: FRONT_DESK },
    discountPct: { type: 'number', see: FRONT_DESK },
    toPay: { type: 'number' },
    amountPaid: { type: 'number', see: FRONT_DESK },
  },
  list: ['startsAt', 'service', 'master', 'client', 'status', 'toPay'],
  filter: ['status'],
});
