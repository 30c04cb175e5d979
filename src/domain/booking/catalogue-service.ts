import type { Kysely } from 'kysely';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { InvalidInputError, NotFoundError } from '../errors.js';

const name = z.string().trim().min(1).max(200);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const money = z.number().finite().min(0).max(10_000_000);
const minutes = z
  .number()
  .int()
  .min(5)
  .max(24 * 60);

const branchInput = z.object({
  name,
  timeZone: z.string().refine((v) => IANAZone.isValidZone(v)),
  phone: z.string().trim().max(40).nullable().optional(),
  address: z.string().trim().max(300).nullable().optional(),
});

const serviceInput = z.object({
  name,
  category: z.string().trim().min(1).max(100),
  durationMin: minutes,
  bufferMin: z.number().int().min(0).max(240).default(0),
  price: money,
  branchId: z.string().uuid().nullable().optional(),
});

const masterServiceInput = z.object({
  serviceId: z.string().uuid(),
  price: money.nullable().optional(),
  durationMin: minutes.nullable().optional(),
});

const hoursInput = z
  .object({ weekday: z.number().int().min(1).max(7), start: hhmm, end: hhmm })
  .refine((h) => h.end > h.start, { path: ['end'], message: 'end-before-start' });

const interval = z
  .object({ start: hhmm, end: hhmm })
  .refine((h) => h.end > h.start, { path: ['end'], message: 'end-before-start' });

const exceptionInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('off'), day: z.iso.date() }),
  z.object({
    kind: z.literal('hours'),
    day: z.iso.date(),
    hours: z.array(interval).min(1).max(10),
  }),
]);

/** zod's verdict as the domain's error: the first field at fault and a short code. */
function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'input';
  const code = issue?.message === 'end-before-start' ? 'end-before-start' : 'invalid';
  throw new InvalidInputError(field, code);
}

function overlapping(hours: { weekday: number; start: string; end: string }[]): boolean {
  const sorted = [...hours].sort((a, b) => a.weekday - b.weekday || a.start.localeCompare(b.start));
  return sorted.some((h, i) => {
    const next = sorted[i + 1];
    return next !== undefined && next.weekday === h.weekday && next.start < h.end;
  });
}

/**
 * The salon's catalogue and schedules, validated: branches with their zones, services, masters
 * and what they perform, weekly hours and date exceptions. The panel edits through this.
 */
export class CatalogueService {
  constructor(private readonly db: Kysely<Database>) {}

  async createBranch(input: z.input<typeof branchInput>, actor: Actor): Promise<string> {
    const v = parse(branchInput, input);
    const row = await this.db
      .insertInto('branches')
      .values({
        name: v.name,
        time_zone: v.timeZone,
        phone: v.phone ?? null,
        address: v.address ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(this.db, actor, { action: 'create', entity: 'branch', entityId: row.id });
    return row.id;
  }

  async updateBranch(
    id: string,
    input: Partial<z.input<typeof branchInput>> & { active?: boolean },
    actor: Actor,
  ): Promise<void> {
    const v = parse(branchInput.partial().extend({ active: z.boolean().optional() }), input);
    await this.mustExist('branches', id);
    await this.updateAudited('branches', 'branch', id, actor, {
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.timeZone !== undefined ? { time_zone: v.timeZone } : {}),
      ...(v.phone !== undefined ? { phone: v.phone ?? null } : {}),
      ...(v.address !== undefined ? { address: v.address ?? null } : {}),
      ...(v.active !== undefined ? { active: v.active } : {}),
    });
  }

  async updateService(
    id: string,
    input: Partial<z.input<typeof serviceInput>> & { active?: boolean },
    actor: Actor,
  ): Promise<void> {
    const v = parse(serviceInput.partial().extend({ active: z.boolean().optional() }), input);
    const row = await this.db
      .selectFrom('services')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('service');
    if (v.branchId) await this.mustExist('branches', v.branchId);
    await this.updateAudited('services', 'service', id, actor, {
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.category !== undefined ? { category: v.category } : {}),
      ...(v.durationMin !== undefined ? { duration_min: v.durationMin } : {}),
      ...(input.bufferMin !== undefined ? { buffer_min: v.bufferMin } : {}),
      ...(v.price !== undefined ? { price: v.price } : {}),
      ...(v.branchId !== undefined ? { branch_id: v.branchId ?? null } : {}),
      ...(v.active !== undefined ? { active: v.active } : {}),
    });
  }

  async updateMaster(
    id: string,
    input: {
      displayName?: string;
      branchId?: string;
      staffUserId?: string | null;
      active?: boolean;
    },
    actor: Actor,
  ): Promise<void> {
    const v = parse(
      z.object({
        displayName: name.optional(),
        branchId: z.string().uuid().optional(),
        staffUserId: z.string().uuid().nullable().optional(),
        active: z.boolean().optional(),
      }),
      input,
    );
    await this.mustExist('masters', id);
    if (v.branchId) await this.mustExist('branches', v.branchId);
    if (v.staffUserId) await this.mustExist('staff_users', v.staffUserId);
    await this.updateAudited('masters', 'master', id, actor, {
      ...(v.displayName !== undefined ? { display_name: v.displayName } : {}),
      ...(v.branchId !== undefined ? { branch_id: v.branchId } : {}),
      ...(v.staffUserId !== undefined ? { staff_user_id: v.staffUserId } : {}),
      ...(v.active !== undefined ? { active: v.active } : {}),
    });
  }

  /**
   * Updates one catalogue row and audits what changed, from → to (the catalogue holds no
   * personal data); columns come from the callers' fixed lists, never from a request.
   */
  private async updateAudited(
    table: 'branches' | 'services' | 'masters',
    entity: string,
    id: string,
    actor: Actor,
    values: Record<string, string | number | boolean | null | undefined>,
  ): Promise<void> {
    const columns = Object.keys(values);
    await this.db.transaction().execute(async (tx) => {
      const before = columns.length
        ? ((await tx
            .selectFrom(table)
            .select(columns as never[])
            .where('id', '=', id)
            .forUpdate()
            .executeTakeFirst()) as Record<string, unknown> | undefined)
        : undefined;
      if (columns.length)
        await tx
          .updateTable(table)
          .set(values as never)
          .where('id', '=', id)
          .execute();
      const norm = (v: unknown) =>
        v === null || v === undefined
          ? null
          : typeof v === 'number' || /^-?\d+(\.\d+)?$/.test(String(v))
            ? Number(v)
            : v;
      const changes = Object.fromEntries(
        columns
          .filter((c) => norm(before?.[c]) !== norm(values[c]))
          .map((c) => [c, { from: norm(before?.[c]), to: norm(values[c]) }]),
      );
      await recordAudit(tx, actor, {
        action: 'update',
        entity,
        entityId: id,
        details: { changes },
      });
    });
  }

  async createService(input: z.input<typeof serviceInput>, actor: Actor): Promise<string> {
    const v = parse(serviceInput, input);
    if (v.branchId) await this.mustExist('branches', v.branchId);
    const row = await this.db
      .insertInto('services')
      .values({
        name: v.name,
        category: v.category,
        duration_min: v.durationMin,
        buffer_min: v.bufferMin,
        price: v.price,
        branch_id: v.branchId ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(this.db, actor, { action: 'create', entity: 'service', entityId: row.id });
    return row.id;
  }

  async createMaster(
    input: { branchId: string; displayName: string; staffUserId?: string | null },
    actor: Actor,
  ): Promise<string> {
    const v = parse(
      z.object({
        branchId: z.string().uuid(),
        displayName: name,
        staffUserId: z.string().uuid().nullable().optional(),
      }),
      input,
    );
    await this.mustExist('branches', v.branchId);
    if (v.staffUserId) await this.mustExist('staff_users', v.staffUserId);
    const row = await this.db
      .insertInto('masters')
      .values({
        branch_id: v.branchId,
        display_name: v.displayName,
        staff_user_id: v.staffUserId ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(this.db, actor, { action: 'create', entity: 'master', entityId: row.id });
    return row.id;
  }

  /** Replaces what a master performs, with optional own prices and durations. */
  async setMasterServices(
    masterId: string,
    input: z.input<typeof masterServiceInput>[],
    actor: Actor,
  ): Promise<void> {
    const list = parse(z.array(masterServiceInput).max(500), input);
    if (new Set(list.map((s) => s.serviceId)).size !== list.length)
      throw new InvalidInputError('serviceId', 'duplicate');
    await this.mustExist('masters', masterId);
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('master_services').where('master_id', '=', masterId).execute();
      if (list.length > 0) {
        const known = await tx
          .selectFrom('services')
          .select('id')
          .where(
            'id',
            'in',
            list.map((s) => s.serviceId),
          )
          .execute();
        if (known.length !== list.length) throw new NotFoundError('service');
        await tx
          .insertInto('master_services')
          .values(
            list.map((s) => ({
              master_id: masterId,
              service_id: s.serviceId,
              price: s.price ?? null,
              duration_min: s.durationMin ?? null,
            })),
          )
          .execute();
      }
      await recordAudit(tx, actor, {
        action: 'set-services',
        entity: 'master',
        entityId: masterId,
        details: { count: list.length },
      });
    });
  }

  /** Checks weekly hours as setWeeklyHours would, without writing. */
  checkWeeklyHours(input: { weekday: number; start: string; end: string }[]) {
    const hours = parse(z.array(hoursInput).max(100), input);
    if (overlapping(hours)) throw new InvalidInputError('hours', 'overlap');
    return hours;
  }

  /** Replaces a master's weekly hours; several intervals a day make breaks, never overlaps. */
  async setWeeklyHours(
    masterId: string,
    input: { weekday: number; start: string; end: string }[],
    actor: Actor,
  ): Promise<void> {
    const hours = this.checkWeeklyHours(input);
    await this.mustExist('masters', masterId);
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('working_hours').where('master_id', '=', masterId).execute();
      if (hours.length > 0)
        await tx
          .insertInto('working_hours')
          .values(
            hours.map((h) => ({
              master_id: masterId,
              weekday: h.weekday,
              starts: h.start,
              ends: h.end,
            })),
          )
          .execute();
      await recordAudit(tx, actor, { action: 'set-hours', entity: 'master', entityId: masterId });
    });
  }

  /**
   * Sets one date's exception, replacing any earlier one for that date: a day off (a vacation
   * is one per day) or that day's own hours, which may be extra hours on a usual day off.
   */
  async setException(
    masterId: string,
    input:
      | { day: string; kind: 'off' }
      | { day: string; kind: 'hours'; hours: { start: string; end: string }[] },
    actor: Actor,
  ): Promise<void> {
    const v = parse(exceptionInput, input);
    if (v.kind === 'hours' && overlapping(v.hours.map((h) => ({ ...h, weekday: 0 }))))
      throw new InvalidInputError('hours', 'overlap');
    await this.mustExist('masters', masterId);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .deleteFrom('schedule_exceptions')
        .where('master_id', '=', masterId)
        .where('day', '=', v.day)
        .execute();
      await tx
        .insertInto('schedule_exceptions')
        .values(
          v.kind === 'off'
            ? [{ master_id: masterId, day: v.day, kind: 'off' as const }]
            : v.hours.map((h) => ({
                master_id: masterId,
                day: v.day,
                kind: 'hours' as const,
                starts: h.start,
                ends: h.end,
              })),
        )
        .execute();
      await recordAudit(tx, actor, {
        action: 'set-exception',
        entity: 'master',
        entityId: masterId,
        details: { day: v.day, kind: v.kind },
      });
    });
  }

  /** Checks date exceptions as replaceExceptionsFrom would, without writing. */
  checkExceptions(list: z.input<typeof exceptionInput>[]) {
    const checked = list.map((e) => parse(exceptionInput, e));
    for (const e of checked)
      if (e.kind === 'hours' && overlapping(e.hours.map((h) => ({ ...h, weekday: 0 }))))
        throw new InvalidInputError('hours', 'overlap');
    if (new Set(checked.map((e) => e.day)).size !== checked.length)
      throw new InvalidInputError('day', 'duplicate');
    return checked;
  }

  /**
   * Replaces a master's exceptions from `fromDay` on with `list` (earlier ones stay as
   * history), all or nothing.
   */
  async replaceExceptionsFrom(
    masterId: string,
    fromDay: string,
    list: z.input<typeof exceptionInput>[],
    actor: Actor,
  ): Promise<void> {
    const checked = this.checkExceptions(list);
    await this.mustExist('masters', masterId);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .deleteFrom('schedule_exceptions')
        .where('master_id', '=', masterId)
        .where('day', '>=', fromDay)
        .execute();
      type Row = {
        master_id: string;
        day: string;
        kind: 'off' | 'hours';
        starts?: string;
        ends?: string;
      };
      const rows = checked
        .filter((e) => e.day >= fromDay)
        .flatMap((e): Row[] =>
          e.kind === 'off'
            ? [{ master_id: masterId, day: e.day, kind: 'off' }]
            : e.hours.map((h) => ({
                master_id: masterId,
                day: e.day,
                kind: 'hours' as const,
                starts: h.start,
                ends: h.end,
              })),
        );
      if (rows.length > 0) await tx.insertInto('schedule_exceptions').values(rows).execute();
      await recordAudit(tx, actor, {
        action: 'set-exceptions',
        entity: 'master',
        entityId: masterId,
        details: { from: fromDay, days: checked.length },
      });
    });
  }

  async clearException(masterId: string, day: string, actor: Actor): Promise<void> {
    parse(z.iso.date(), day);
    await this.db
      .deleteFrom('schedule_exceptions')
      .where('master_id', '=', masterId)
      .where('day', '=', day)
      .execute();
    await recordAudit(this.db, actor, {
      action: 'clear-exception',
      entity: 'master',
      entityId: masterId,
      details: { day },
    });
  }

  private async mustExist(
    table: 'branches' | 'masters' | 'staff_users',
    id: string,
  ): Promise<void> {
    const row = await this.db
      .selectFrom(table)
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(table);
  }
}
