import { defineResource } from './resource-definition.js';

/** Branches: name, time zone, phone and address. */
export const BRANCH = defineResource({
  id: 'Branch',
  navigation: { name: 'Catalogue', icon: 'Home' },
  fields: {
    id: { type: 'uuid', isId: true, show: true },
    name: { type: 'string', isTitle: true, edit: true, required: true, sortable: true },
    time_zone: { type: 'string', edit: true, required: true },
    phone: { type: 'string', edit: true },
    address: { type: 'string', edit: true },
    active: { type: 'boolean', edit: true },
  },
  list: ['name', 'time_zone', 'phone', 'address', 'active'],
});

/** Services: category, duration, buffer after the visit, price; a branch or all branches. */
export const SERVICE = defineResource({
  id: 'Service',
  navigation: { name: 'Catalogue', icon: 'Home' },
  fields: {
    id: { type: 'uuid', isId: true, show: true },
    name: { type: 'string', isTitle: true, edit: true, required: true, sortable: true },
    category: { type: 'string', edit: true, required: true, sortable: true },
    duration_min: { type: 'number', edit: true, required: true },
    buffer_min: { type: 'number', edit: true },
    price: { type: 'number', edit: true, required: true },
    branch_id: { type: 'reference', reference: 'Branch', edit: true },
    active: { type: 'boolean', edit: true },
  },
  list: ['name', 'category', 'duration_min', 'buffer_min', 'price', 'active'],
  filter: ['category'],
});

/**
 * Masters with what they do and when: `services` a comma-separated list of service names,
 * `hours` the weekly hours as text, `exceptions` the special days as text.
 */
export const MASTER = defineResource({
  id: 'Master',
  navigation: { name: 'Catalogue', icon: 'Home' },
  fields: {
    id: { type: 'uuid', isId: true },
    display_name: { type: 'string', isTitle: true, edit: true, required: true, sortable: true },
    branch_id: { type: 'reference', reference: 'Branch', edit: true, required: true },
    staff_user_id: { type: 'reference', reference: 'StaffUser', edit: true },
    // Read from and written to their own tables, not columns of masters.
    services: { type: 'string', edit: true, computed: true },
    hours: { type: 'textarea', edit: true, computed: true },
    exceptions: { type: 'textarea', edit: true, computed: true },
    active: { type: 'boolean', edit: true },
  },
  list: ['display_name', 'branch_id', 'services', 'active'],
});
