import type { AppointmentStatus } from '../../db/schema.js';
import type { Db } from '../shared/transaction.js';

/** A visit with the names people need to read it; no client personal data. */
export interface VisitView {
  id: string;
  clientId: string | null;
  masterId: string;
  serviceId: string;
  branchId: string;
  startsAt: Date;
  endsAt: Date;
  status: AppointmentStatus;
  price: string;
  discountPct: number;
  amountPaid: string | null;
  movedCount: number;
  timeZone: string;
  service: string;
  master: string;
  branch: string;
  branchPhone: string | null;
  branchAddress: string | null;
  masterStaffUserId: string | null;
}

export function visitQuery(db: Db) {
  return db
    .selectFrom('appointments as a')
    .innerJoin('services as s', 's.id', 'a.service_id')
    .innerJoin('masters as m', 'm.id', 'a.master_id')
    .innerJoin('branches as b', 'b.id', 'a.branch_id')
    .select([
      'a.id',
      'a.client_id',
      'a.master_id',
      'a.service_id',
      'a.branch_id',
      'a.starts_at',
      'a.ends_at',
      'a.status',
      'a.price',
      'a.discount_pct',
      'a.amount_paid',
      'a.moved_count',
      'b.time_zone',
      's.name as service',
      'm.display_name as master',
      'm.staff_user_id',
      'b.name as branch',
      'b.phone as branch_phone',
      'b.address as branch_address',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof visitQuery>['executeTakeFirstOrThrow']>>;

export function toVisitView(r: Row): VisitView {
  return {
    id: r.id,
    clientId: r.client_id,
    masterId: r.master_id,
    serviceId: r.service_id,
    branchId: r.branch_id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    status: r.status,
    price: String(r.price),
    discountPct: Number(r.discount_pct),
    amountPaid: r.amount_paid === null ? null : String(r.amount_paid),
    movedCount: r.moved_count,
    timeZone: r.time_zone,
    service: r.service,
    master: r.master,
    branch: r.branch,
    branchPhone: r.branch_phone,
    branchAddress: r.branch_address,
    masterStaffUserId: r.staff_user_id,
  };
}

export async function loadVisit(db: Db, id: string): Promise<VisitView | null> {
  const row = await visitQuery(db).where('a.id', '=', id).executeTakeFirst();
  return row ? toVisitView(row) : null;
}

/** What the client pays with their discount, rounded to kopecks/cents. */
export function amountDue(price: string, discountPct: number): string {
  const cents = Math.round(Number(price) * 100 * (1 - discountPct / 100));
  return (cents / 100).toFixed(2);
}
