import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import { recordListRead } from '../../../domain/audit/audit-log.js';
import type { ClientService } from '../../../domain/clients/client-service.js';
import { grantedAmong } from '../../../domain/onboarding/consents.js';
import { getSetting } from '../../../domain/settings.js';
import { isUuid } from '../../../domain/shared/ids.js';
import { type StaffScope, staffScope } from '../../../domain/staff/staff-scope.js';
import { amountDue, toVisitView, visitQuery } from '../../../domain/visits/visit-view.js';
import { fieldSpecs } from '../resources/resource-definition.js';
import { VISIT, VISIT_STATUSES } from '../resources/visit.js';
import type { Page, Params, PersonalReads, RecordStore } from './record-store.js';

const FIELDS = fieldSpecs(VISIT);

/**
 * Visits in the panel, scoped on the server by who asks: owners and admins see all, a manager
 * their branch, a master only their own (with the client's phone only if the salon allows it,
 * and allergies only where the client consented to health data).
 */
export class VisitRecords implements RecordStore {
  readonly kind = 'clientele-records';
  readonly id = 'Visit';
  readonly fields = FIELDS;
  /** Rows carry the clients' names, phones, notes and allergies: pages of 100, each audited. */
  readonly personalReads: PersonalReads = {
    maxPage: 100,
    audit: (actor, read) => recordListRead(this.db, actor, 'visit', read),
  };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clients: ClientService,
  ) {}

  private async scope(actor: Actor): Promise<{ scope: StaffScope; master: boolean }> {
    const scope = await staffScope(this.db, actor);
    return { scope, master: scope.kind === 'master' };
  }

  private query(scope: StaffScope, filters: Record<string, string>) {
    let q = visitQuery(this.db);
    if (scope.kind === 'none') q = q.where(sql<boolean>`false`);
    else if (scope.kind === 'branch') q = q.where('a.branch_id', '=', scope.branchId);
    else if (scope.kind === 'master') q = q.where('a.master_id', '=', scope.masterId);
    const status = filters.status;
    if (status && (VISIT_STATUSES as readonly string[]).includes(status))
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
