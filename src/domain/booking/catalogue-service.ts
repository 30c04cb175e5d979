import { z } from 'zod';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { type Db, inTransaction } from '../shared/transaction.js';

import {
  branchInput,
  masterServiceInput,
  mustExist,
  name,
  parse,
  serviceInput,
} from './catalogue-input.js';
import {
  checkExceptions,
  checkWeeklyHours,
  clearException,
  replaceExceptionsFrom,
  setException,
  setWeeklyHours,
} from './master-schedule.js';

/**
 * The salon's catalogue and schedules, validated: branches with their zones, services, masters
 * and what they perform, weekly hours and date exceptions. The panel edits through this.
 */
export class CatalogueService {
  constructor(private readonly db: Db) {}

  async createBranch(input: z.input<typeof branchInput>, actor: Actor): Promise<string> {
    const v = parse(branchInput, input);
    return inTransaction(this.db, async (tx) => {
      const row = await tx
        .insertInto('branches')
        .values({
          name: v.name,
          time_zone: v.timeZone,
          phone: v.phone ?? null,
          address: v.address ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, { action: 'create', entity: 'branch', entityId: row.id });
      return row.id;
    });
  }

  async updateBranch(
    id: string,
    input: Partial<z.input<typeof branchInput>> & { active?: boolean },
    actor: Actor,
  ): Promise<void> {
    const v = parse(branchInput.partial().extend({ active: z.boolean().optional() }), input);
    await mustExist(this.db, 'branches', id);
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
    if (v.branchId) await mustExist(this.db, 'branches', v.branchId);
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
    await mustExist(this.db, 'masters', id);
    if (v.branchId) await mustExist(this.db, 'branches', v.branchId);
    if (v.staffUserId) await mustExist(this.db, 'staff_users', v.staffUserId);
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
    await inTransaction(this.db, async (tx) => {
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
    if (v.branchId) await mustExist(this.db, 'branches', v.branchId);
    return inTransaction(this.db, async (tx) => {
      const row = await tx
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
      await recordAudit(tx, actor, { action: 'create', entity: 'service', entityId: row.id });
      return row.id;
    });
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
    await mustExist(this.db, 'branches', v.branchId);
    if (v.staffUserId) await mustExist(this.db, 'staff_users', v.staffUserId);
    return inTransaction(this.db, async (tx) => {
      const row = await tx
        .insertInto('masters')
        .values({
          branch_id: v.branchId,
          display_name: v.displayName,
          staff_user_id: v.staffUserId ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, { action: 'create', entity: 'master', entityId: row.id });
      return row.id;
    });
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
    await mustExist(this.db, 'masters', masterId);
    await inTransaction(this.db, async (tx) => {
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
    return checkWeeklyHours(input);
  }

  /** Replaces a master's weekly hours; several intervals a day make breaks, never overlaps. */
  setWeeklyHours(
    masterId: string,
    input: { weekday: number; start: string; end: string }[],
    actor: Actor,
  ): Promise<void> {
    return setWeeklyHours(this.db, masterId, input, actor);
  }

  /** One date's exception (a day off, or that day's own hours), replacing an earlier one. */
  setException(masterId: string, input: Parameters<typeof setException>[2], actor: Actor) {
    return setException(this.db, masterId, input, actor);
  }

  /** Checks date exceptions as replaceExceptionsFrom would, without writing. */
  checkExceptions(list: Parameters<typeof checkExceptions>[0]) {
    return checkExceptions(list);
  }

  /** Replaces a master's exceptions from `fromDay` on (earlier ones stay), all or nothing. */
  replaceExceptionsFrom(
    masterId: string,
    fromDay: string,
    list: Parameters<typeof replaceExceptionsFrom>[3],
    actor: Actor,
  ) {
    return replaceExceptionsFrom(this.db, masterId, fromDay, list, actor);
  }

  clearException(masterId: string, day: string, actor: Actor) {
    return clearException(this.db, masterId, day, actor);
  }
}
