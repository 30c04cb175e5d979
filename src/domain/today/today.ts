import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { Crypto } from '../../crypto/crypto.js';
import type { AppointmentStatus } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordListRead } from '../audit/audit-log.js';
import { decryptClient } from '../clients/client-rows.js';
import { birthdayIndexValue } from '../clients/normalise.js';
import type { Db } from '../shared/transaction.js';

/**
 * The staff start page (issue 12, point 7): what needs someone today — birthdays coming up,
 * low scores nobody has dealt with, today's visits per branch. Plain reads; the panel decides
 * which of them a role gets.
 */

export const BIRTHDAY_DAYS = 7;
const MAX_BIRTHDAYS = 100;

export interface UpcomingBirthday {
  clientId: string;
  name: string | null;
  /** The birthday's date this year (or next), in the salon's zone, ISO. */
  date: string;
  /** 0 today, 1 tomorrow… */
  inDays: number;
}

/**
 * Clients whose birthday falls in the next `days` days (today included) in `zone`: found by the
 * birthday blind index, confirmed by decryption; the read is audited (a count, never who).
 */
export async function upcomingBirthdays(
  db: Db,
  crypto: Crypto,
  actor: Actor,
  now: Date,
  zone: string,
  days = BIRTHDAY_DAYS,
): Promise<UpcomingBirthday[]> {
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  const dates = Array.from({ length: days }, (_, i) => today.plus({ days: i }));
  const indexes = dates.map((d) =>
    crypto.blindIndex('birthday', birthdayIndexValue({ month: d.month, day: d.day })),
  );
  const rows = await db
    .selectFrom('clients')
    .selectAll()
    .where('birthday_bidx', 'in', indexes)
    .where('erased_at', 'is', null)
    .execute();
  const found: UpcomingBirthday[] = [];
  for (const row of rows) {
    const client = decryptClient(crypto, row);
    const b = client.birthday;
    if (!b) continue;
    const inDays = dates.findIndex((d) => d.month === b.month && d.day === b.day);
    const date = dates[inDays];
    if (inDays < 0 || !date) continue;
    found.push({ clientId: client.id, name: client.name, date: date.toISODate() ?? '', inDays });
  }
  found.sort((a, b) => a.inDays - b.inDays || (a.name ?? '').localeCompare(b.name ?? ''));
  const shown = found.slice(0, MAX_BIRTHDAYS);
  await recordListRead(db, actor, 'client_birthdays', {
    rows: shown.length,
    filters: [],
    offset: 0,
    limit: MAX_BIRTHDAYS,
  });
  return shown;
}

export interface BranchDay {
  branchId: string;
  branch: string;
  /** Visits starting today in the branch's own zone, by status. */
  visits: Record<AppointmentStatus, number>;
}

/** Who is counted: the whole salon, one branch or one master's visits. */
export type TodayScope =
  | { kind: 'all' }
  | { kind: 'branch'; branchId: string }
  | { kind: 'master'; masterId: string };

/** Today's visits per branch, each branch's "today" in its own time zone. */
export async function visitsToday(db: Db, now: Date, scope: TodayScope): Promise<BranchDay[]> {
  const rows = await db
    .selectFrom('branches as b')
    .leftJoin('appointments as a', (join) =>
      join
        .onRef('a.branch_id', '=', 'b.id')
        .on(
          sql<boolean>`(a.starts_at at time zone b.time_zone)::date = (${now}::timestamptz at time zone b.time_zone)::date`,
        )
        .$call((j) => (scope.kind === 'master' ? j.on('a.master_id', '=', scope.masterId) : j)),
    )
    .select(['b.id', 'b.name', 'a.status', (eb) => eb.fn.count<string>('a.id').as('n')])
    .where('b.active', '=', true)
    .$if(scope.kind === 'branch', (q) =>
      q.where('b.id', '=', scope.kind === 'branch' ? scope.branchId : ''),
    )
    .$if(scope.kind === 'master', (q) =>
      q.where('b.id', 'in', (eb) =>
        eb
          .selectFrom('masters')
          .select('branch_id')
          .where('id', '=', scope.kind === 'master' ? scope.masterId : ''),
      ),
    )
    .groupBy(['b.id', 'b.name', 'a.status'])
    .orderBy('b.name')
    .execute();
  const out = new Map<string, BranchDay>();
  for (const r of rows) {
    const day =
      out.get(r.id) ??
      ({
        branchId: r.id,
        branch: r.name,
        visits: { booked: 0, confirmed: 0, done: 0, cancelled: 0, no_show: 0 },
      } satisfies BranchDay);
    if (r.status) day.visits[r.status] = Number(r.n);
    out.set(r.id, day);
  }
  return [...out.values()];
}
