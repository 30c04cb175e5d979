import { STAFF_ROLES } from '../../../domain/staff/staff-rules.js';
import { defineResource } from './resource-definition.js';

/**
 * Staff accounts: never the password hash or the lock-out counters. The e-mail is given once,
 * at creation; a new account is active, so `active` is only on the edit form.
 */
export const STAFF_USER = defineResource({
  id: 'StaffUser',
  navigation: { name: 'Settings', icon: 'Settings' },
  fields: {
    id: { type: 'uuid', isId: true },
    email: { type: 'string', isTitle: true, sortable: true, edit: 'new', required: true },
    display_name: { type: 'string', sortable: true, edit: true, required: true },
    role: {
      type: 'string',
      sortable: true,
      edit: true,
      required: true,
      availableValues: STAFF_ROLES,
    },
    branch_id: { type: 'reference', reference: 'Branch', edit: true },
    locale: { type: 'string', edit: true, availableValues: ['ru', 'en'] },
    active: { type: 'boolean', edit: 'edit' },
    last_login_at: { type: 'datetime', sortable: true },
    created_at: { type: 'datetime', sortable: true },
  },
  list: ['email', 'display_name', 'role', 'active', 'last_login_at'],
  filter: ['email', 'display_name'],
});
