import type { Actor } from '../../../domain/actor.js';
import type { ListRead } from '../../../domain/audit/audit-log.js';
import type { PanelResource } from '../access.js';
import type { FieldSpec } from '../resources/resource-definition.js';

export type { FieldSpec };

export type Params = Record<string, unknown>;

export interface Page {
  limit: number;
  offset: number;
  sortBy?: string;
  direction?: 'asc' | 'desc';
}

/**
 * A list that carries personal data (names, phones, notes…): the adapter caps its pages and
 * audits each page read through the panel's list and search.
 */
export interface PersonalReads {
  /** Rows one page may hold; a larger perPage is clamped to it. */
  maxPage: number;
  audit(actor: Actor, read: ListRead): Promise<void>;
}

/**
 * What a panel resource reads and writes, in plain values: a domain service behind it for
 * encrypted data (clients), or a table for plain data. Its fields are its resource's
 * definition (resources/*.ts). The AdminJS adapter turns it into a resource; access rules and
 * field stripping are applied there, for every store alike.
 */
export interface RecordStore {
  readonly kind: 'clientele-records';
  readonly id: PanelResource;
  readonly fields: readonly FieldSpec[];
  readonly personalReads?: PersonalReads;
  count(filters: Record<string, string>, actor: Actor): Promise<number>;
  find(filters: Record<string, string>, page: Page, actor: Actor): Promise<Params[]>;
  /** `locale`: the language of the staff member asking, for texts a store composes. */
  findOne(id: string, actor: Actor, locale?: string): Promise<Params | null>;
  create?(params: Params, actor: Actor): Promise<Params>;
  update?(id: string, params: Params, actor: Actor): Promise<Params>;
  /**
   * Records as another resource's reference shows them (id and title only), where a whole
   * record would carry more than the link needs.
   */
  titles?(ids: string[], actor: Actor): Promise<Params[]>;
}

export function isRecordStore(value: unknown): value is RecordStore {
  return (value as Partial<RecordStore> | null)?.kind === 'clientele-records';
}
