import {
  type ActionContext,
  BaseDatabase,
  BaseProperty,
  BaseRecord,
  BaseResource,
  type Filter,
  type ParamsType,
  type PropertyType,
  ValidationError,
} from 'adminjs';
import type { Actor } from '../../../domain/actor.js';
import { ConflictError, InvalidInputError } from '../../../domain/errors.js';
import { editableFields, isPanelUser, onlyFields, stripFields } from '../access.js';
import { type FieldSpec, isRecordStore, type Params, type RecordStore } from './record-store.js';

class StoreProperty extends BaseProperty {
  constructor(
    private readonly spec: FieldSpec,
    index: number,
  ) {
    super({
      path: spec.path,
      type: spec.type,
      isId: spec.isId ?? false,
      isSortable: spec.sortable ?? false,
      position: index,
    });
  }
  override isEditable(): boolean {
    return this.spec.edit !== undefined;
  }
  override isRequired(): boolean {
    return this.spec.required ?? false;
  }
  override isTitle(): boolean {
    return this.spec.isTitle ?? false;
  }
  override isArray(): boolean {
    return this.spec.isArray ?? false;
  }
  override availableValues(): string[] | null {
    return this.spec.availableValues ? [...this.spec.availableValues] : null;
  }
  override type(): PropertyType {
    return this.spec.type;
  }
  override reference(): string | null {
    return this.spec.reference ?? null;
  }
}

/** Plain error messages per domain error code, shown on the field in the form. */
export const FIELD_MESSAGES: Record<string, string> = {
  required: 'required',
  invalid: 'invalid value',
  'too-long': 'too long',
  'in-future': 'cannot be in the future',
  taken: 'already taken',
  'too-many': 'too many values',
  format: 'wrong format',
  cycle: 'cannot be placed under itself or its own descendant',
  'too-deep': 'too many levels',
  'owner-only': 'only an owner may do this for an owner',
  self: 'you cannot change this on your own account',
  'last-owner': 'the salon needs at least one active owner',
  'not-allowed': 'not allowed',
  'in-past': 'already over',
  overlap: 'overlaps another entry',
  duplicate: 'repeated value',
  empty: 'required',
  'too-short': 'too short',
  wrong: 'invalid value',
};

function toValidationError(err: unknown): unknown {
  if (err instanceof InvalidInputError && err.field === 'record') {
    return new ValidationError(
      {},
      { message: FIELD_MESSAGES[err.code] ?? err.code, type: err.code },
    );
  }
  if (err instanceof InvalidInputError || err instanceof ConflictError) {
    return new ValidationError({
      [err.field]: { message: FIELD_MESSAGES[err.code] ?? err.code, type: err.code },
    });
  }
  // PostgreSQL integrity errors (class 23) must not look like success.
  const pg = err as { code?: string; column?: string; constraint?: string };
  if (typeof pg.code === 'string' && pg.code.startsWith('23')) {
    const field = pg.column ?? pg.constraint ?? 'record';
    return new ValidationError({
      [field]: { message: 'conflicts with existing data', type: pg.code },
    });
  }
  return err;
}

function actorOf(context: ActionContext | undefined): Actor {
  const admin = context?.currentAdmin as unknown;
  if (!isPanelUser(admin)) return { type: 'system', id: null };
  return { type: 'staff', id: admin.id, ip: (admin as { ip?: string }).ip ?? null };
}

function filtersOf(filter: Filter): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, element] of Object.entries(filter.filters ?? {})) {
    if (typeof element.value === 'string' && element.value.length <= 200) out[path] = element.value;
  }
  return out;
}

/**
 * The AdminJS face of a RecordStore: access checks and field stripping live here once. What a
 * form sends beyond the fields the user may change with it never reaches the store.
 */
export class StoreResource extends BaseResource {
  private readonly store: RecordStore;
  private readonly props: StoreProperty[];

  static override isAdapterFor(raw: unknown): boolean {
    return isRecordStore(raw);
  }

  constructor(store: RecordStore) {
    super(store);
    this.store = store;
    this.props = store.fields.map((f, i) => new StoreProperty(f, i));
  }

  override databaseName(): string {
    return 'clientele';
  }
  override databaseType(): string {
    return 'postgresql';
  }
  override id(): string {
    return this.store.id;
  }
  override properties(): BaseProperty[] {
    return this.props;
  }
  override property(path: string): BaseProperty | null {
    return this.props.find((p) => p.path() === path) ?? null;
  }

  private record(params: Params, context: ActionContext | undefined): BaseRecord {
    return new BaseRecord(
      stripFields(context?.currentAdmin, this.store.id, params) as ParamsType,
      this,
    );
  }

  override async count(filter: Filter, context?: ActionContext): Promise<number> {
    return this.store.count(filtersOf(filter), actorOf(context));
  }

  override async find(
    filter: Filter,
    options: {
      limit?: number;
      offset?: number;
      sort?: { sortBy?: string; direction?: 'asc' | 'desc' };
    },
    context?: ActionContext,
  ): Promise<BaseRecord[]> {
    // Lists and searches of personal data: smaller pages, and each one audited (no values).
    const personal = this.store.personalReads;
    const filters = filtersOf(filter);
    const limit = Math.max(1, Math.min(options.limit ?? 10, personal?.maxPage ?? 500));
    const offset = Math.max(0, options.offset ?? 0);
    const actor = actorOf(context);
    const rows = await this.store.find(
      filters,
      {
        limit,
        offset,
        ...(options.sort?.sortBy ? { sortBy: options.sort.sortBy } : {}),
        ...(options.sort?.direction ? { direction: options.sort.direction } : {}),
      },
      actor,
    );
    if (personal)
      await personal.audit(actor, {
        rows: rows.length,
        filters: Object.keys(filters),
        offset,
        limit,
      });
    return rows.map((r) => this.record(r, context));
  }

  override async findOne(id: string, context?: ActionContext): Promise<BaseRecord | null> {
    const admin = context?.currentAdmin as unknown;
    const row = await this.store.findOne(
      id,
      actorOf(context),
      isPanelUser(admin) ? admin.locale : undefined,
    );
    return row ? this.record(row, context) : null;
  }

  override async findMany(
    ids: (string | number)[],
    context?: ActionContext,
  ): Promise<BaseRecord[]> {
    // AdminJS calls this to show references (a coupon's client): the title is all it needs.
    if (this.store.titles)
      return (await this.store.titles(ids.map(String), actorOf(context))).map((r) =>
        this.record(r, context),
      );
    const found = await Promise.all(ids.map((id) => this.findOne(String(id), context)));
    return found.filter((r): r is BaseRecord => r !== null);
  }

  override async create(params: Params, context?: ActionContext): Promise<ParamsType> {
    const create = this.store.create?.bind(this.store);
    if (!create) throw new ValidationError({}, { message: 'read-only' });
    return this.write('new', params, context, (form, actor) => create(form, actor));
  }

  override async update(id: string, params: Params, context?: ActionContext): Promise<ParamsType> {
    const update = this.store.update?.bind(this.store);
    if (!update) throw new ValidationError({}, { message: 'read-only' });
    return this.write('edit', params, context, (form, actor) => update(id, form, actor));
  }

  /** A form's values, only those it may change, to the store; its refusals on the fields. */
  private async write(
    form: 'new' | 'edit',
    params: Params,
    context: ActionContext | undefined,
    run: (form: Params, actor: Actor) => Promise<Params>,
  ): Promise<ParamsType> {
    const admin = context?.currentAdmin;
    const values = onlyFields(params, editableFields(admin, this.store.id, form));
    try {
      return stripFields(admin, this.store.id, await run(values, actorOf(context))) as ParamsType;
    } catch (err) {
      throw toValidationError(err);
    }
  }

  override async delete(): Promise<void> {
    throw new ValidationError(
      {},
      { message: 'records are not deleted from the panel; erase a client instead' },
    );
  }
}

/** Resources are given one by one; no whole database is ever handed to AdminJS. */
export class NoDatabase extends BaseDatabase {
  static override isAdapterFor(): boolean {
    return false;
  }
}
