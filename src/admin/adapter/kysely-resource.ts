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
import type { Actor } from '../../domain/actor.js';
import { ConflictError, InvalidInputError } from '../../domain/errors.js';
import { isPanelUser, stripFields } from '../access.js';
import { type FieldSpec, isRecordSource, type Params, type RecordSource } from './record-source.js';

class SourceProperty extends BaseProperty {
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
    return this.spec.editable ?? false;
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
    return this.spec.availableValues ?? null;
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
  too_long: 'too long',
  in_future: 'cannot be in the future',
  taken: 'already taken',
  too_many: 'too many values',
  format: 'wrong format',
  cycle: 'cannot be placed under itself or its own descendant',
  too_deep: 'too many levels',
  owner_only: 'only an owner may do this for an owner',
  self: 'you cannot change this on your own account',
  last_owner: 'the salon needs at least one active owner',
  not_allowed: 'not allowed',
  in_past: 'already over',
  overlap: 'overlaps another entry',
  duplicate: 'repeated value',
  empty: 'required',
  too_short: 'too short',
  'too-long': 'too long',
  'too-many': 'too many values',
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

/** The AdminJS face of a RecordSource: access checks and field stripping live here once. */
export class SourceResource extends BaseResource {
  private readonly source: RecordSource;
  private readonly props: SourceProperty[];

  static override isAdapterFor(raw: unknown): boolean {
    return isRecordSource(raw);
  }

  constructor(source: RecordSource) {
    super(source);
    this.source = source;
    this.props = source.fields.map((f, i) => new SourceProperty(f, i));
  }

  override databaseName(): string {
    return 'clientele';
  }
  override databaseType(): string {
    return 'postgresql';
  }
  override id(): string {
    return this.source.id;
  }
  override properties(): BaseProperty[] {
    return this.props;
  }
  override property(path: string): BaseProperty | null {
    return this.props.find((p) => p.path() === path) ?? null;
  }

  private record(params: Params, context: ActionContext | undefined): BaseRecord {
    return new BaseRecord(
      stripFields(context?.currentAdmin, this.source.id, params) as ParamsType,
      this,
    );
  }

  override async count(filter: Filter, context?: ActionContext): Promise<number> {
    return this.source.count(filtersOf(filter), actorOf(context));
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
    const rows = await this.source.find(
      filtersOf(filter),
      {
        limit: Math.min(options.limit ?? 10, 500),
        offset: options.offset ?? 0,
        ...(options.sort?.sortBy ? { sortBy: options.sort.sortBy } : {}),
        ...(options.sort?.direction ? { direction: options.sort.direction } : {}),
      },
      actorOf(context),
    );
    return rows.map((r) => this.record(r, context));
  }

  override async findOne(id: string, context?: ActionContext): Promise<BaseRecord | null> {
    const admin = context?.currentAdmin as unknown;
    const row = await this.source.findOne(
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
    if (this.source.titles)
      return (await this.source.titles(ids.map(String), actorOf(context))).map((r) =>
        this.record(r, context),
      );
    const found = await Promise.all(ids.map((id) => this.findOne(String(id), context)));
    return found.filter((r): r is BaseRecord => r !== null);
  }

  override async create(params: Params, context?: ActionContext): Promise<ParamsType> {
    if (!this.source.create) throw new ValidationError({}, { message: 'read-only' });
    try {
      return stripFields(
        context?.currentAdmin,
        this.source.id,
        await this.source.create(params, actorOf(context)),
      ) as ParamsType;
    } catch (err) {
      throw toValidationError(err);
    }
  }

  override async update(id: string, params: Params, context?: ActionContext): Promise<ParamsType> {
    if (!this.source.update) throw new ValidationError({}, { message: 'read-only' });
    try {
      return stripFields(
        context?.currentAdmin,
        this.source.id,
        await this.source.update(id, params, actorOf(context)),
      ) as ParamsType;
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
