import type { Kysely } from 'kysely';
import type { Database, StaffRole } from '../../db/schema.js';
import type { Actor } from '../../domain/actor.js';
import { InvalidInputError } from '../../domain/errors.js';
import { STAFF_ROLES, type StaffService } from '../../domain/staff/staff-service.js';
import type { Page, Params } from '../adapter/record-source.js';
import { bool, defined, orNull, str } from './catalogue-sources.js';
import { TableSource } from './table-source.js';

/** The columns a staff record carries to the panel: never the hash or the lock-out counters. */
const COLUMNS = [
  'id',
  'email',
  'display_name',
  'role',
  'branch_id',
  'locale',
  'active',
  'last_login_at',
  'created_at',
] as const;

const FORM_FIELD: Record<string, string> = { displayName: 'display_name', branchId: 'branch_id' };

function columns(row: Params): Params {
  return Object.fromEntries(COLUMNS.map((c) => [c, row[c]]));
}

/**
 * Staff accounts through the staff service, which holds the rules (who may touch owners, the
 * last owner). A new account gets a one-time password nobody sees: a reset shows a new one.
 * The e-mail is set at creation only.
 */
export class StaffSource extends TableSource {
  constructor(
    db: Kysely<Database>,
    private readonly staff: StaffService,
  ) {
    super(
      db,
      'StaffUser',
      'staff_users',
      [
        { path: 'id', type: 'uuid', isId: true },
        {
          path: 'email',
          type: 'string',
          isTitle: true,
          sortable: true,
          editable: true,
          required: true,
        },
        { path: 'display_name', type: 'string', sortable: true, editable: true, required: true },
        {
          path: 'role',
          type: 'string',
          sortable: true,
          editable: true,
          required: true,
          availableValues: [...STAFF_ROLES],
        },
        { path: 'branch_id', type: 'reference', reference: 'Branch', editable: true },
        { path: 'locale', type: 'string', editable: true, availableValues: ['ru', 'en'] },
        { path: 'active', type: 'boolean', editable: true },
        { path: 'last_login_at', type: 'datetime', sortable: true },
        { path: 'created_at', type: 'datetime', sortable: true },
      ],
      { column: 'created_at', direction: 'asc' },
    );
  }

  override async find(filters: Record<string, string>, page: Page): Promise<Params[]> {
    return (await super.find(filters, page)).map(columns);
  }

  override async findOne(id: string): Promise<Params | null> {
    const row = await super.findOne(id);
    return row ? columns(row) : null;
  }

  async create(params: Params, actor: Actor): Promise<Params> {
    const { user } = await onForm(() =>
      this.staff.create(
        {
          email: str(params, 'email') ?? '',
          displayName: str(params, 'display_name') ?? '',
          role: (str(params, 'role') ?? '') as StaffRole,
          branchId: orNull(str(params, 'branch_id')) ?? null,
          locale: str(params, 'locale') || 'ru',
        },
        actor,
      ),
    );
    return (await this.findOne(user.id)) ?? {};
  }

  async update(id: string, params: Params, actor: Actor): Promise<Params> {
    await onForm(() =>
      this.staff.update(
        id,
        defined({
          displayName: str(params, 'display_name'),
          role: str(params, 'role') as StaffRole | undefined,
          branchId: orNull(str(params, 'branch_id')),
          locale: str(params, 'locale'),
          active: bool(params, 'active'),
        }),
        actor,
      ),
    );
    return (await this.findOne(id)) ?? {};
  }
}

/** A refusal from the service, reported on the form's own field. */
async function onForm<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidInputError) {
      const field = FORM_FIELD[err.field] ?? err.field;
      throw new InvalidInputError(field, err.code);
    }
    throw err;
  }
}
