/**
 * Greetings go out at a local hour, so clients are taken by time zone: each active branch's, and
 * one group in the salon's zone for those with no active home branch.
 */
import { DateTime } from 'luxon';
import type { Client } from '../clients/client-rows.js';
import type { Db } from '../shared/transaction.js';

/** Clients of one time zone: a branch's, or (branchIds null) those with no active home branch. */
export interface Group {
  zone: string;
  branchIds: Set<string> | null;
  branchName: string;
}

export interface Groups {
  groups: Group[];
  /** The active branches' ids. */
  active: Set<string>;
}

export async function greetingGroups(db: Db, defaultZone: string): Promise<Groups> {
  const branches = await db
    .selectFrom('branches')
    .select(['id', 'name', 'time_zone'])
    .where('active', '=', true)
    .orderBy('created_at')
    .execute();
  return {
    groups: [
      ...branches.map((b) => ({
        zone: b.time_zone,
        branchIds: new Set([b.id]),
        branchName: b.name,
      })),
      { zone: defaultZone, branchIds: null, branchName: branches[0]?.name ?? '' },
    ],
    active: new Set(branches.map((b) => b.id)),
  };
}

export function belongs(client: Client, group: Group, active: Set<string>): boolean {
  return group.branchIds
    ? client.homeBranchId !== null && group.branchIds.has(client.homeBranchId)
    : client.homeBranchId === null || !active.has(client.homeBranchId);
}

/** Local time of a group, when it is within three hours after `hour` (a late run still sends). */
export function localIfDue(now: Date, group: Group, hour: number): DateTime | null {
  const local = DateTime.fromJSDate(now, { zone: group.zone });
  return local.hour >= hour && local.hour < hour + 3 ? local : null;
}
