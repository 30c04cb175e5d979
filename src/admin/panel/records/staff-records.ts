import type { Kysely } from 'kysely';
import type { Database, StaffRole } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import { InvalidInputError } from '../../../domain/errors.js';
import type { StaffService } from '../../../domain/staff/staff-service.js';
import { fieldSpecs } from '../resources/resource-definition.js';
import { STAFF_USER } from '../resources/staff-user.js';
import { bool, defined, orNull, str } from './catalogue-records.js';
import type { Page, Params } from './record-store.js';
import { TableRecords } from './table-records.js';

/** The columns a staff record carries to the panel: never the hash or the lock-out counters. */
const COLUMNS = fieldSpecs(STAFF_USER).map((f) => f.path);

const FORM_FIELD: Record<string, string> = { displayName: 'display_name', branchId: 'branch_id' };

function columns(row: Params): Params {
  return Object.fromEntries(COLUMNS.map((c) => [c, row[c]]));
}

/**
 * Staff accounts through the staff service, which holds the rules (who may touch owners, the
 * last owner). A new account gets a one-time password nobody sees: a reset shows a new one.
 * The e-mail is set at creation only.
 */
export class StaffRecords extends TableRecords {
  constructor(
    db: Kysely<Database>,
    private readonly staff: StaffService,
  ) {
    super(db, STAFF_USER, 'staff_users', { column: 'created_at', direction: 'asc' });
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
