import { defineResource } from './resource-definition.js';

/** Who did what, read-only. */
export const AUDIT_ENTRY = defineResource({
  id: 'AuditEntry',
  navigation: { name: 'Settings', icon: 'Settings' },
  fields: {
    id: { type: 'number', isId: true, show: true },
    at: { type: 'datetime', sortable: true },
    actor_type: { type: 'string' },
    actor_id: { type: 'string' },
    action: { type: 'string', isTitle: true },
    entity: { type: 'string' },
    entity_id: { type: 'string' },
    ip: { type: 'string' },
    details: { type: 'mixed' },
  },
  list: ['at', 'actor_type', 'actor_id', 'action', 'entity', 'entity_id', 'ip'],
});

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed', 'dead'] as const;

/** The message queue's state only: never the message, the chat or the client. */
export const OUTBOX_MESSAGE = defineResource({
  id: 'OutboxMessage',
  navigation: { name: 'Settings', icon: 'Settings' },
  fields: {
    id: { type: 'number', isId: true, show: true },
    kind: { type: 'string', isTitle: true, sortable: true },
    status: { type: 'string', sortable: true, availableValues: OUTBOX_STATUSES },
    attempts: { type: 'number', sortable: true },
    created_at: { type: 'datetime', sortable: true },
    not_before: { type: 'datetime', sortable: true },
    sent_at: { type: 'datetime', sortable: true },
    last_error: { type: 'string' },
  },
  list: ['kind', 'status', 'attempts', 'created_at', 'not_before', 'sent_at', 'last_error'],
  filter: ['kind', 'status'],
});
