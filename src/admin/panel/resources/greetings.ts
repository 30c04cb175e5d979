import { defineResource } from './resource-definition.js';

export const AUDIENCE_KINDS = ['all', 'tags', 'level', 'branch', 'recent'] as const;

/**
 * Holidays for greetings. The audience is edited as three plain fields: its kind, a comma list
 * (tags, levels or branch names) and months for "visited recently".
 */
export const HOLIDAY = defineResource({
  id: 'Holiday',
  navigation: { name: 'Greetings', icon: 'Gift' },
  fields: {
    id: { type: 'uuid', isId: true },
    name: { type: 'string', isTitle: true, edit: true, required: true, sortable: true },
    kind: { type: 'string', edit: true, required: true, availableValues: ['fixed', 'nth-weekday'] },
    month: { type: 'number', edit: true, required: true, sortable: true },
    day: { type: 'number', edit: true },
    weekday: { type: 'number', edit: true },
    nth: { type: 'number', edit: true },
    local_hour: { type: 'number', edit: true },
    audience_kind: { type: 'string', computed: true, edit: true, availableValues: AUDIENCE_KINDS },
    audience_values: { type: 'string', computed: true, edit: true },
    audience_months: { type: 'number', computed: true, edit: true },
    active: { type: 'boolean', edit: true },
    next_date: { type: 'string', computed: true },
  },
  list: ['name', 'kind', 'month', 'day', 'local_hour', 'audience_kind', 'active', 'next_date'],
  filter: ['name', 'kind'],
});

/**
 * The tree of client acquisition sources (a channel and its campaigns), with each node's deep
 * link and how many clients came from it: a count, never who.
 */
export const ACQUISITION_SOURCE = defineResource({
  id: 'AcquisitionSource',
  navigation: { name: 'Greetings', icon: 'Gift' },
  fields: {
    id: { type: 'uuid', isId: true },
    name: { type: 'string', isTitle: true, edit: true, required: true, sortable: true },
    parent_id: { type: 'reference', reference: 'AcquisitionSource', edit: true },
    link_code: { type: 'string', edit: true, sortable: true },
    active: { type: 'boolean', edit: true },
    deep_link: { type: 'string', computed: true },
    clients: { type: 'number', computed: true },
  },
  list: ['name', 'parent_id', 'link_code', 'active', 'clients'],
  filter: ['name'],
});
