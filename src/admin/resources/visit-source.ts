import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../../domain/actor.js';
import type { ClientService } from '../../domain/clients/client-service.js';
import { isUuid } from '../../domain/clients/client-service.js';
import { grantedAmong } from '../../domain/onboarding/consents.js';
import { getSetting } from '../../domain/settings.js';
import { amountDue, toVisitView, visitQuery } from '../../domain/visits/visit-view.js';
import type { FieldSpec, Page, Params, RecordSource } from '../adapter/record-source.js';

const FIELDS: FieldSpec[] = [
  { path: 'id', type: 'uuid', isId: true },
  // The branch's own wall-clock time, whatever the time zone of the browser looking at it.
  { path: 'startsAt', type: 'string', isTitle: true, sortable: true },
  { path: 'service', type: 'string' },
  { path: 'master', type: 'string' },
  { path: 'branch', type: 'string' },
  {
    path: 'status',
    type: 'string',
    availableValues: ['booked', 'confirmed', 'done', 'cancelled', 'no_show'],
  },
  { path: 'client', type: 'string' },
  { path: 'clientPhone', type: 'string' },
  { path: 'clientNotes', type: 'textarea' },
  { path: 'clientAllergies', type: 'textarea' },
  { path: 'price', type: 'number' },
  { path: 'discountPct', type: 'number' },
  { path: 'toPay', type: 'number' },
  { path: 'amountPaid', type: 'number' },
];

/** Whose visits a staff member may see: all, a branch's, or a master's own. */
type Scope = { all: true } | { branchId: string } | { masterId: string } | { none: true };

/**
 * Visits in the panel, scoped on the server by who asks: owners and admins see all, a manager
 * their branch, a master only their own (with the client's phone only if the salon allows it,
 * and allergies only where the client consented to health data).
 */
export class VisitSource implements RecordSource {
  readonly kind = 'clientele-source';
  readonly id = 'Visit';
  readonly fields = FIELDS;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clients: ClientService,
  ) {}

  private async scope(actor: Actor): Promise<{ scope: Scope; master: boolean }> {
    if (actor.type !== 'staff' || !actor.id) return { scope: { none: true }, master: false };
    const staff = await this.db
      .selectFrom('staff_users as u')
      .leftJoin('masters as m', 'm.staff_user_id', 'u.id')
      .select(['u.role', 'u.branch_id', 'm.id as master_id'])
      .where('u.id', '=', actor.id)
      .where('u.active', '=', true)
      .executeTakeFirst();
    if (!staff) return { scope: { none: true }, master: false };
    if (staff.role === 'owner' || staff.role === 'admin')
      return { scope: { all: true }, master: false };
    if (staff.role === 'manager')
      return {
        scope: staff.branch_id ? { branchId: staff.branch_id } : { all: true },
        master: false,
      };
    if (staff.role === 'master')
      return {
        scope: staff.master_id ? { masterId: staff.master_id } : { none: true },
        master: true,
      };
    return { scope: { none: true }, master: false };
  }

  private query(scope: Scope, filters: Record<string, string>) {
    let q = visitQuery(this.db);
    if ('none' in scope) q = q.where(sql<boolean>`false`);
    else if ('branchId' in scope) q = q.where('a.branch_id', '=', scope.branchId);
    else if ('masterId' in scope) q = q.where('a.master_id', '=', scope.masterId);
    const status = filters.status;
    if (status && FIELDS.find((f) => f.path === 'status')?.availableValues?.includes(status))
      q = q.where('a.status', '=', status as never);
    return q;
  }

  async count(filters: Record<string, string>, actor: Actor): Promise<number> {
    const { scope } = await this.scope(actor);
    const row = await this.db
      .selectFrom(this.query(scope, filters).as('v'))
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async find(filters: Record<string, string>, page: Page, actor: Actor): Promise<Params[]> {
    const { scope, master } = await this.scope(actor);
    const rows = await this.query(scope, filters)
      .orderBy('a.starts_at', page.direction === 'asc' ? 'asc' : 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const phone = await this.showsPhone(master);
    return this.toParams(rows.map(toVisitView), phone);
  }

  async findOne(id: string, actor: Actor): Promise<Params | null> {
    if (!isUuid(id)) return null;
    const { scope, master } = await this.scope(actor);
    const row = await this.query(scope, {}).where('a.id', '=', id).executeTakeFirst();
    if (!row) return null;
    const [params] = await this.toParams([toVisitView(row)], await this.showsPhone(master));
    return params ?? null;
  }

  /** Masters see clients' phones only where the salon allows it; read once per request. */
  private async showsPhone(forMaster: boolean): Promise<boolean> {
    return !forMaster || (await getSetting(this.db, 'panel.master_sees_phone'));
  }

  /** A page of visits with their clients: the clients and their health consent read at once. */
  private async toParams(
    views: ReturnType<typeof toVisitView>[],
    showPhone: boolean,
  ): Promise<Params[]> {
    const ids = views.map((v) => v.clientId).filter((id): id is string => id !== null);
    const [clients, health] = await Promise.all([
      this.clients.findManyById(ids),
      grantedAmong(this.db, ids, 'health_data'),
    ]);
    return views.map((v) => {
      const client = v.clientId ? clients.get(v.clientId) : undefined;
      return {
        id: v.id,
        startsAt: DateTime.fromJSDate(v.startsAt, { zone: v.timeZone }).toFormat(
          'yyyy-MM-dd HH:mm',
        ),
        service: v.service,
        master: v.master,
        branch: v.branch,
        status: v.status,
        client: client?.name ?? '',
        ...(showPhone ? { clientPhone: client?.phone ?? '' } : {}),
        clientNotes: client?.notes ?? '',
        clientAllergies: client && health.has(client.id) ? (client.allergies ?? '') : '',
        price: Number(v.price),
        discountPct: v.discountPct,
        toPay: Number(amountDue(v.price, v.discountPct)),
        amountPaid: v.amountPaid === null ? null : Number(v.amountPaid),
      };
    });
  }
}
