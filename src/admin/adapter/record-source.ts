import type { PropertyType } from 'adminjs';
import type { Actor } from '../../domain/actor.js';
import type { PanelResource } from '../access.js';

export interface FieldSpec {
  path: string;
  type: PropertyType;
  isId?: boolean;
  isTitle?: boolean;
  editable?: boolean;
  required?: boolean;
  sortable?: boolean;
  isArray?: boolean;
  availableValues?: string[];
  /** For type 'reference': the resource the value is an id of. */
  reference?: string;
  /** Worked out for display, not a column: never filtered or sorted on in SQL. */
  computed?: boolean;
}

export type Params = Record<string, unknown>;

export interface Page {
  limit: number;
  offset: number;
  sortBy?: string;
  direction?: 'asc' | 'desc';
}

/**
 * What a panel resource reads and writes, in plain values: a domain service behind it for
 * encrypted data (clients), or a table for plain data. The AdminJS adapter turns it into a
 * resource; access rules and field stripping are applied there, for every source alike.
 */
export interface RecordSource {
  readonly kind: 'clientele-source';
  readonly id: PanelResource;
  readonly fields: readonly FieldSpec[];
  count(filters: Record<string, string>, actor: Actor): Promise<number>;
  find(filters: Record<string, string>, page: Page, actor: Actor): Promise<Params[]>;
  /** `locale`: the language of the staff member asking, for texts a source composes. */
  findOne(id: string, actor: Actor, locale?: string): Promise<Params | null>;
  create?(params: Params, actor: Actor): Promise<Params>;
  update?(id: string, params: Params, actor: Actor): Promise<Params>;
  /**
   * Records as another resource's reference shows them (id and title only), where a whole
   * record would carry more than the link needs.
   */
  titles?(ids: string[], actor: Actor): Promise<Params[]>;
}

export function isRecordSource(value: unknown): value is RecordSource {
  return (value as Partial<RecordSource> | null)?.kind === 'clientele-source';
}
