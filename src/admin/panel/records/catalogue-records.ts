import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import type { CatalogueService } from '../../../domain/booking/catalogue-service.js';
import {
  type DateException,
  formatExceptions,
  formatWeeklyHours,
  parseExceptions,
  parseWeeklyHours,
} from '../../../domain/booking/hours-text.js';
import { InvalidInputError } from '../../../domain/errors.js';
import { BRANCH, MASTER, SERVICE } from '../resources/catalogue.js';
import type { Page, Params } from './record-store.js';
import { TableRecords } from './table-records.js';

/** Form values arrive as strings: these read them, and leave out what the form did not send. */
export const str = (p: Params, key: string) =>
  typeof p[key] === 'string' ? (p[key] as string).trim() : undefined;
export const num = (p: Params, key: string) => {
  if (typeof p[key] === 'number') return p[key] as number;
  const v = str(p, key);
  if (v === undefined || v === '') return undefined;
  const n = Number(v.replace(',', '.'));
  if (!Number.isFinite(n)) throw new InvalidInputError(key, 'invalid');
  return n;
};
export const bool = (p: Params, key: string) => {
  const v = p[key];
  return v === undefined ? undefined : v === true || v === 'true';
};
export const orNull = (v: string | undefined) =>
  v === undefined ? undefined : v === '' ? null : v;
export const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The domain names its fields in camelCase; the forms use the columns' names. */
const FORM_FIELD: Record<string, string> = {
  timeZone: 'time_zone',
  durationMin: 'duration_min',
  bufferMin: 'buffer_min',
  branchId: 'branch_id',
  displayName: 'display_name',
  staffUserId: 'staff_user_id',
};

/** Runs a domain call; a refusal is reported on the form's own field. */
async function onForm<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidInputError) {
      const field = err.field.split('.')[0] ?? err.field;
      throw new InvalidInputError(FORM_FIELD[field] ?? field, err.code);
    }
    throw err;
  }
}

/** Branches: name, time zone, phone and address; through the catalogue service (validated). */
export class BranchRecords extends TableRecords {
  constructor(
    db: Kysely<Database>,
    private readonly catalogue: CatalogueService,
  ) {
    super(db, BRANCH, 'branches', { column: 'name', direction: 'asc' });
  }
  private input(p: Params) {
    return defined({
      name: str(p, 'name'),
      timeZone: str(p, 'time_zone'),
      phone: orNull(str(p, 'phone')),
      address: orNull(str(p, 'address')),
    });
  }
  async create(params: Params, actor: Actor): Promise<Params> {
    const input = this.input(params);
    const id = await onForm(() =>
      this.catalogue.createBranch(
        { ...input, name: input.name ?? '', timeZone: input.timeZone ?? '' },
        actor,
      ),
    );
    return (await this.findOne(id)) ?? {};
  }
  async update(id: string, params: Params, actor: Actor): Promise<Params> {
    await onForm(() =>
      this.catalogue.updateBranch(
        id,
        { ...this.input(params), ...defined({ active: bool(params, 'active') }) },
        actor,
      ),
    );
    return (await this.findOne(id)) ?? {};
  }
}

/** Services: category, duration, buffer after the visit, price; a branch or all branches. */
export class ServiceRecords extends TableRecords {
  constructor(
    db: Kysely<Database>,
    private readonly catalogue: CatalogueService,
  ) {
    super(db, SERVICE, 'services', { column: 'name', direction: 'asc' });
  }
  private input(p: Params) {
    return defined({
      name: str(p, 'name'),
      category: str(p, 'category'),
      durationMin: num(p, 'duration_min'),
      bufferMin: num(p, 'buffer_min'),
      price: num(p, 'price'),
      branchId: orNull(str(p, 'branch_id')),
    });
  }
  async create(params: Params, actor: Actor): Promise<Params> {
    const v = this.input(params);
    const id = await onForm(() =>
      this.catalogue.createService(
        {
          ...v,
          name: v.name ?? '',
          category: v.category ?? '',
          durationMin: v.durationMin ?? Number.NaN,
          price: v.price ?? Number.NaN,
        },
        actor,
      ),
    );
    return (await this.findOne(id)) ?? {};
  }
  async update(id: string, params: Params, actor: Actor): Promise<Params> {
    await onForm(() =>
      this.catalogue.updateService(
        id,
        { ...this.input(params), ...defined({ active: bool(params, 'active') }) },
        actor,
      ),
    );
    return (await this.findOne(id)) ?? {};
  }
}

/**
 * Masters with what they do and when: `services` is a comma-separated list of service names,
 * `hours` the weekly hours as text ("пн-пт 10:00-14:00, 15:00-19:00").
 */
export class MasterRecords extends TableRecords {
  constructor(
    private readonly database: Kysely<Database>,
    private readonly catalogue: CatalogueService,
  ) {
    super(database, MASTER, 'masters', { column: 'display_name', direction: 'asc' });
  }

  private async withSchedule(rows: Params[]): Promise<Params[]> {
    const ids = rows.map((r) => String(r.id));
    if (ids.length === 0) return rows;
    const today = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const [services, hours, exceptions] = await Promise.all([
      this.database
        .selectFrom('master_services as ms')
        .innerJoin('services as s', 's.id', 'ms.service_id')
        .select(['ms.master_id', 's.name'])
        .where('ms.master_id', 'in', ids)
        .orderBy('s.name')
        .execute(),
      this.database.selectFrom('working_hours').selectAll().where('master_id', 'in', ids).execute(),
      this.database
        .selectFrom('schedule_exceptions')
        .selectAll()
        .where('master_id', 'in', ids)
        .where('day', '>=', today)
        .execute(),
    ]);
    return rows.map((r) => ({
      ...r,
      services: services
        .filter((s) => s.master_id === r.id)
        .map((s) => s.name)
        .join(', '),
      hours: formatWeeklyHours(
        hours
          .filter((h) => h.master_id === r.id)
          .map((h) => ({ weekday: h.weekday, start: h.starts, end: h.ends })),
      ),
      exceptions: formatExceptions(exceptions.filter((e) => e.master_id === r.id)),
    }));
  }

  override async find(filters: Record<string, string>, page: Page): Promise<Params[]> {
    return this.withSchedule(await super.find(filters, page));
  }
  override async findOne(id: string): Promise<Params | null> {
    const row = await super.findOne(id);
    return row ? ((await this.withSchedule([row]))[0] ?? null) : null;
  }

  /** The form's services and hours, checked before anything is written. */
  private async schedule(params: Params) {
    const services = str(params, 'services');
    let serviceIds: string[] | undefined;
    if (services !== undefined) {
      const names = [
        ...new Set(
          services
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean),
        ),
      ];
      const known = names.length
        ? await this.database
            .selectFrom('services')
            .select(['id', 'name'])
            .where('name', 'in', names)
            .execute()
        : [];
      if (known.length < names.length) throw new InvalidInputError('services', 'invalid');
      serviceIds = known.map((s) => s.id);
    }
    const text = str(params, 'hours');
    let hours: ReturnType<typeof parseWeeklyHours> | undefined;
    if (text !== undefined) {
      try {
        hours = this.catalogue.checkWeeklyHours(parseWeeklyHours(text));
      } catch (err) {
        if (err instanceof InvalidInputError)
          throw new InvalidInputError('hours', err.code === 'overlap' ? 'overlap' : 'format');
        throw err;
      }
    }
    const exceptionsText = str(params, 'exceptions');
    let exceptions: DateException[] | undefined;
    if (exceptionsText !== undefined) {
      try {
        exceptions = parseExceptions(exceptionsText);
        this.catalogue.checkExceptions(exceptions);
      } catch (err) {
        if (err instanceof InvalidInputError) throw new InvalidInputError('exceptions', 'format');
        throw err;
      }
    }
    // From yesterday on: the text shows those; older days stay as they were.
    const from = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    return async (id: string, actor: Actor) => {
      if (exceptions) await this.catalogue.replaceExceptionsFrom(id, from, exceptions, actor);
      if (serviceIds)
        await this.catalogue.setMasterServices(
          id,
          serviceIds.map((serviceId) => ({ serviceId })),
          actor,
        );
      if (hours) await this.catalogue.setWeeklyHours(id, hours, actor);
    };
  }

  async create(params: Params, actor: Actor): Promise<Params> {
    const apply = await this.schedule(params);
    const id = await onForm(() =>
      this.catalogue.createMaster(
        {
          branchId: str(params, 'branch_id') ?? '',
          displayName: str(params, 'display_name') ?? '',
          staffUserId: orNull(str(params, 'staff_user_id')) ?? null,
        },
        actor,
      ),
    );
    await apply(id, actor);
    return (await this.findOne(id)) ?? {};
  }
  async update(id: string, params: Params, actor: Actor): Promise<Params> {
    const apply = await this.schedule(params);
    await onForm(() =>
      this.catalogue.updateMaster(
        id,
        defined({
          displayName: str(params, 'display_name'),
          branchId: str(params, 'branch_id') || undefined,
          staffUserId: orNull(str(params, 'staff_user_id')),
          active: bool(params, 'active'),
        }),
        actor,
      ),
    );
    await apply(id, actor);
    return (await this.findOne(id)) ?? {};
  }
}
