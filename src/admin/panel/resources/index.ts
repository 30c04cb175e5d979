import type { PanelResource } from '../access.js';
import { BRANCH, MASTER, SERVICE } from './catalogue.js';
import { CLIENT } from './client.js';
import { ACQUISITION_SOURCE, HOLIDAY } from './greetings.js';
import { COUPON, LOYALTY_CARD } from './loyalty.js';
import { AUDIT_ENTRY, OUTBOX_MESSAGE } from './operations.js';
import type { ResourceDefinition } from './resource-definition.js';
import { STAFF_USER } from './staff-user.js';
import { VISIT } from './visit.js';

/** Every panel resource's one definition, by its id. */
export const RESOURCES: Readonly<Record<PanelResource, ResourceDefinition>> = {
  Client: CLIENT,
  Visit: VISIT,
  Branch: BRANCH,
  Service: SERVICE,
  Master: MASTER,
  StaffUser: STAFF_USER,
  AuditEntry: AUDIT_ENTRY,
  OutboxMessage: OUTBOX_MESSAGE,
  Holiday: HOLIDAY,
  AcquisitionSource: ACQUISITION_SOURCE,
  Coupon: COUPON,
  LoyaltyCard: LOYALTY_CARD,
};
