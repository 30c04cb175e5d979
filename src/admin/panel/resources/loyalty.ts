import { defineResource } from './resource-definition.js';

export const COUPON_STATES = ['active', 'reserved', 'redeemed', 'expired', 'revoked'] as const;

/**
 * Coupons: birthday, win-back and manual ones, with their state. A new one is a manual coupon;
 * coupons are never edited, only revoked (the access table gives no one `edit`).
 */
export const COUPON = defineResource({
  id: 'Coupon',
  navigation: { name: 'Loyalty', icon: 'Gift' },
  fields: {
    id: { type: 'uuid', isId: true },
    code: { type: 'string', isTitle: true, sortable: true },
    client_id: { type: 'reference', reference: 'Client', edit: true, required: true },
    kind: { type: 'string', sortable: true, availableValues: ['birthday', 'winback', 'manual'] },
    percent: { type: 'number', edit: true, required: true, sortable: true },
    categories: { type: 'string', edit: true },
    valid_from: { type: 'date', edit: true, sortable: true },
    valid_until: { type: 'date', edit: true, required: true, sortable: true },
    state: { type: 'string', availableValues: COUPON_STATES },
    created_at: { type: 'datetime', sortable: true },
  },
  list: ['code', 'client_id', 'kind', 'percent', 'valid_until', 'state'],
  filter: ['code', 'client_id', 'kind', 'state'],
});

/** Loyalty cards, read-only: a card is issued or reissued from the client's card. */
export const LOYALTY_CARD = defineResource({
  id: 'LoyaltyCard',
  navigation: { name: 'Loyalty', icon: 'CreditCard' },
  fields: {
    number: { type: 'string', isId: true, isTitle: true, sortable: true },
    client_id: { type: 'reference', reference: 'Client' },
    issued_at: { type: 'datetime', sortable: true },
    revoked_at: { type: 'datetime', sortable: true },
  },
  list: ['number', 'client_id', 'issued_at', 'revoked_at'],
  filter: ['number', 'client_id'],
});
