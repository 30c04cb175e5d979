import type { StaffRole } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { DomainError, InvalidInputError } from '../errors.js';
import type { Db } from '../shared/transaction.js';

/**
 * Whose visits a staff member may see and where they may book: everything (owners, admins),
 * one branch (managers), one master's own (masters), or nothing. Deny by default: an unknown,
 * inactive or system actor, a manager without a branch and a master without a master record
 * get nothing.
 */
export type StaffScope =
  | { kind: 'all' }
  | { kind: 'branch'; branchId: string }
  | { kind: 'master'; masterId: string }
  | { kind: 'none' };

export async function staffScope(db: Db, actor: Actor): Promise<StaffScope> {
  if (actor.type !== 'staff' || !actor.id) return { kind: 'none' };
  const staff = await db
    .selectFrom('staff_users as u')
    .leftJoin('masters as m', 'm.staff_user_id', 'u.id')
    .select(['u.role', 'u.branch_id', 'm.id as master_id'])
    .where('u.id', '=', actor.id)
    .where('u.active', '=', true)
    .executeTakeFirst();
  if (!staff) return { kind: 'none' };
  switch (staff.role) {
    case 'owner':
    case 'admin':
      return { kind: 'all' };
    case 'manager':
      // A manager row without a branch (made before branches were required) sees nothing
      // until an owner gives it one.
      return staff.branch_id ? { kind: 'branch', branchId: staff.branch_id } : { kind: 'none' };
    case 'master':
      return staff.master_id ? { kind: 'master', masterId: staff.master_id } : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}

/** Whether a scope covers a visit of this branch (a master's scope is narrower: by master). */
export function coversBranch(scope: StaffScope, branchId: string): boolean {
  return scope.kind === 'all' || (scope.kind === 'branch' && scope.branchId === branchId);
}

/** Booking or acting in a branch the staff member does not work in. */
export class OutsideBranchError extends DomainError {
  override name = 'OutsideBranchError';
  constructor() {
    super('outside your branch');
  }
}

/** Throws unless the scope may book into this branch (owners, admins, a manager's own). */
export function assertMayBookIn(scope: StaffScope, branchId: string): void {
  if (!coversBranch(scope, branchId)) throw new OutsideBranchError();
}

/** A manager works in one branch: without it they would see nothing. */
export function checkManagerBranch(role: StaffRole, branchId: string | null): void {
  if (role === 'manager' && branchId === null) throw new InvalidInputError('branchId', 'required');
}

/** A branch named by id or by its name (case-insensitive), for the command line. */
export async function branchByRef(db: Db, ref: string): Promise<string> {
  const wanted = ref.trim();
  if (wanted === '') throw new InvalidInputError('branchId', 'required');
  const rows = await db.selectFrom('branches').select(['id', 'name']).execute();
  const byId = rows.find((b) => b.id === wanted.toLowerCase());
  if (byId) return byId.id;
  const byName = rows.filter((b) => b.name.toLowerCase() === wanted.toLowerCase());
  if (byName.length !== 1 || !byName[0])
    throw new InvalidInputError('branchId', byName.length > 1 ? 'duplicate' : 'invalid');
  return byName[0].id;
}
