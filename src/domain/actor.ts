/** Who is asking: every domain call that reads or changes a client says so, for the audit log. */
export interface Actor {
  type: 'staff' | 'client' | 'system';
  id: string | null;
  ip?: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null };
