import { defineResource } from './resource-definition.js';

/** Clients: every value is personal data, read and written through ClientService. */
export const CLIENT = defineResource({
  id: 'Client',
  navigation: { name: 'CRM', icon: 'Users' },
  fields: {
    id: { type: 'uuid', isId: true },
    name: { type: 'string', isTitle: true, edit: true, required: true },
    phone: { type: 'string', edit: true },
    birthday: { type: 'string', edit: true },
    allergies: { type: 'textarea', edit: true },
    notes: { type: 'textarea', edit: true },
    preferences: { type: 'textarea', edit: true },
    tags: { type: 'string', edit: true },
    locale: { type: 'string', edit: true, availableValues: ['ru', 'en'] },
    // Set from the first booking's branch; staff may move the client to another branch here.
    homeBranchId: { type: 'reference', reference: 'Branch', edit: true },
    createdAt: { type: 'datetime' },
  },
  list: ['name', 'phone', 'birthday', 'tags', 'createdAt'],
  filter: ['name', 'phone'],
  // The client card's sections (actions/client-card.ts): read-only facts at a glance.
  sections: {
    card: {},
    discount: {},
    points: {},
    friends: {},
    consents: {},
    visits: {},
    value: {},
    source: {},
    referrer: {},
  },
});
