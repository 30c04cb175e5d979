import type { PropertyType } from 'adminjs';
import type { StaffRole } from '../../../db/schema.js';
import type { PanelResource } from '../access.js';

/**
 * One field of a panel resource, written once: what AdminJS shows and which roles receive or
 * change it. Its label is the locale key `resources.<Resource>.properties.<field>` (ru and en).
 */
export interface FieldDefinition {
  type: PropertyType;
  /** The record's key. */
  isId?: boolean;
  /** What a link to the record shows; placed first on the record's page and form. */
  isTitle?: boolean;
  required?: boolean;
  /** A stored column the list may be ordered by. */
  sortable?: boolean;
  isArray?: boolean;
  availableValues?: readonly string[];
  /** For type 'reference': the resource the value is an id of. */
  reference?: PanelResource;
  /** Worked out for display, not a column: never filtered or sorted on in SQL. */
  computed?: boolean;
  /**
   * The roles that receive the field, among those the access table lets read the resource;
   * without it, all of them. Others never get it: it is removed on the server.
   */
  see?: readonly StaffRole[];
  /**
   * Changed through the forms by whoever the access table lets create or edit the record:
   * in both forms (true), or only when creating ('new') or only when editing ('edit').
   * Anything else a form sends is dropped on the server.
   */
  edit?: true | 'new' | 'edit';
  /** On the record's page: by default every field but a bare key (an id that is not a title). */
  show?: boolean;
}

/**
 * A panel resource: its place in the sidebar, its fields in the order of the record's page and
 * forms, the columns of its list and the fields its filter offers (by default every stored
 * one). Who may run which action on it is the access table's (access.ts ACTIONS).
 */
export interface ResourceDefinition<F extends string = string> {
  id: PanelResource;
  navigation: { name: string; icon: string };
  fields: Readonly<Record<F, FieldDefinition>>;
  list: readonly NoInfer<F>[];
  filter?: readonly NoInfer<F>[];
  /**
   * What a record action shows beyond the fields (the client card's sections): not properties
   * of the record, but received by the roles that receive a field, narrowed by `see` the same way.
   */
  sections?: Readonly<Record<string, Pick<FieldDefinition, 'see'>>>;
}

/** Typed once, so a list or filter naming a field that does not exist fails to compile. */
export function defineResource<F extends string>(
  definition: ResourceDefinition<F>,
): ResourceDefinition<F> {
  return definition;
}

type Entry = [string, FieldDefinition];
const entries = (definition: ResourceDefinition): Entry[] => Object.entries(definition.fields);
/** AdminJS's own order: the title first, then the fields as written. */
const titleFirst = (list: Entry[]): string[] =>
  [...list.filter(([, f]) => f.isTitle), ...list.filter(([, f]) => !f.isTitle)].map(([p]) => p);
const shown = ([, f]: Entry) => f.show ?? !(f.isId && !f.isTitle);
const inForm =
  (form: 'new' | 'edit') =>
  ([, f]: Entry) =>
    f.edit === true || f.edit === form;

/** Where AdminJS shows the fields: list columns, the record's page, the forms and the filter. */
export interface ResourceLayout {
  list: string[];
  show: string[];
  /** Every field any form changes, for AdminJS's editProperties. */
  edit: string[];
  /** The create and edit forms, when they differ from `edit`. */
  forms?: { new: string[]; edit: string[] };
  filter: string[];
}

export function layoutOf(definition: ResourceDefinition): ResourceLayout {
  const all = entries(definition);
  const edit = titleFirst(all.filter(([, f]) => f.edit !== undefined));
  const forms = {
    new: titleFirst(all.filter(inForm('new'))),
    edit: titleFirst(all.filter(inForm('edit'))),
  };
  const differ = forms.new.length !== edit.length || forms.edit.length !== edit.length;
  return {
    list: [...definition.list],
    show: titleFirst(all.filter(shown)),
    edit,
    ...(differ ? { forms } : {}),
    filter: definition.filter
      ? [...definition.filter]
      : all.filter(([, f]) => !f.computed).map(([p]) => p),
  };
}

/** The fields `role` receives, given the roles that may read the resource at all. */
export function fieldsSeenBy(
  definition: ResourceDefinition,
  role: StaffRole,
  readers: readonly StaffRole[],
): string[] {
  if (!readers.includes(role)) return [];
  return [...entries(definition), ...Object.entries(definition.sections ?? {})]
    .filter(([, f]) => f.see === undefined || f.see.includes(role))
    .map(([p]) => p);
}

/** The fields a create ('new') or edit form may change. */
export function formFields(definition: ResourceDefinition, form: 'new' | 'edit'): string[] {
  return entries(definition)
    .filter(inForm(form))
    .map(([p]) => p);
}

/** A field with its name, as the record stores and the AdminJS adapter read it. */
export type FieldSpec = FieldDefinition & { path: string };

/** The fields in their written order. */
export function fieldSpecs(definition: ResourceDefinition): FieldSpec[] {
  return entries(definition).map(([path, f]) => ({ ...f, path }));
}
