import { NotFoundError } from '../errors.js';
import { pointsBalance } from '../loyalty/loyalty-queries.js';
import { maxPointsSpend } from '../loyalty/loyalty-rules.js';
import { currentRules } from '../loyalty/rule-versions.js';
import { getSetting } from '../settings.js';
import { isUuid } from '../shared/ids.js';
import type { Db } from '../shared/transaction.js';
import { ACTIVE, assertActive, CutoffPassedError, NotYourVisitError } from './visit-rules.js';
import { amountDue, loadVisit, toVisitView, type VisitView, visitQuery } from './visit-view.js';

/** Read models of visits for the bot and the panel; who may see which visit is checked here. */

/** The master linked to a Telegram account, if that account is a master's. */
export interface MasterIdentity {
  masterId: string;
  staffUserId: string;
  locale: string;
  role: string;
}

/** What the client was promised at booking, and the points they may still put towards it. */
export interface Promised {
  price: string;
  discountPct: number;
  due: string;
  coupon: { code: string; percent: number } | null;
  pointsBalance: number;
  spendablePoints: number;
}

/** One visit by id, or null (a malformed id is simply not found). */
export async function findVisit(db: Db, id: string): Promise<VisitView | null> {
  return isUuid(id) ? loadVisit(db, id) : null;
}

export async function mustFindVisit(db: Db, id: string): Promise<VisitView> {
  const visit = await findVisit(db, id);
  if (!visit) throw new NotFoundError('visit');
  return visit;
}

/**
 * The client's coming visits (soonest first) and recent past ones (latest first); with
 * `branchId`, only that branch's (what a manager may see of a shared client).
 */
export async function visitsOfClient(
  db: Db,
  clientId: string,
  now: Date,
  options: { branchId?: string } = {},
): Promise<{ upcoming: VisitView[]; past: VisitView[] }> {
  const branchId = options.branchId;
  const upcoming = await visitQuery(db)
    .where('a.client_id', '=', clientId)
    .$if(branchId !== undefined, (q) => q.where('a.branch_id', '=', branchId ?? ''))
    .where('a.status', 'in', ACTIVE)
    .where('a.starts_at', '>=', now)
    .orderBy('a.starts_at')
    .limit(20)
    .execute();
  const past = await visitQuery(db)
    .where('a.client_id', '=', clientId)
    .$if(branchId !== undefined, (q) => q.where('a.branch_id', '=', branchId ?? ''))
    .where((eb) => eb.or([eb('a.starts_at', '<', now), eb('a.status', 'not in', ACTIVE)]))
    .orderBy('a.starts_at', 'desc')
    .limit(10)
    .execute();
  return { upcoming: upcoming.map(toVisitView), past: past.map(toVisitView) };
}

/** A visit of this client; someone else's is "not found", so ids reveal nothing. */
export async function visitOfClient(db: Db, clientId: string, visitId: string): Promise<VisitView> {
  const visit = await findVisit(db, visitId);
  if (!visit || visit.clientId !== clientId) throw new NotFoundError('visit');
  return visit;
}

/** Throws unless the client may still change the visit at `now`. */
export async function checkChangeable(db: Db, visit: VisitView, now: Date): Promise<void> {
  assertActive(visit);
  const cutoff = await getSetting(db, 'booking.cancel_cutoff_hours');
  if (visit.startsAt.getTime() - now.getTime() < cutoff * 3_600_000)
    throw new CutoffPassedError(cutoff, visit.branchPhone);
}

/** The master behind a Telegram account (a linked staff user with a master profile). */
export async function masterOfTelegram(
  db: Db,
  telegramUserId: number,
): Promise<MasterIdentity | null> {
  const row = await db
    .selectFrom('staff_users as u')
    .innerJoin('masters as m', 'm.staff_user_id', 'u.id')
    .select(['m.id as masterId', 'u.id as staffUserId', 'u.locale', 'u.role'])
    .where('u.telegram_user_id', '=', String(telegramUserId))
    .where('u.active', '=', true)
    .where('m.active', '=', true)
    .executeTakeFirst();
  return row ?? null;
}

/** A visit the master asking may act on: their own, and no one else's. */
export async function visitOfMaster(
  db: Db,
  telegramUserId: number,
  visitId: string,
): Promise<{ visit: VisitView; master: MasterIdentity }> {
  const master = await masterOfTelegram(db, telegramUserId);
  const visit = await findVisit(db, visitId);
  if (!master || !visit || visit.masterId !== master.masterId) throw new NotYourVisitError();
  return { visit, master };
}

/** The amount a visit is expected to bring: price less the discount recorded at booking. */
export function expectedAmount(visit: VisitView): string {
  return amountDue(visit.price, visit.discountPct);
}

/** The most points the client may put towards this visit now. */
export async function spendablePoints(db: Db, visit: VisitView): Promise<number> {
  if (!visit.clientId) return 0;
  const [{ rules }, balance] = await Promise.all([
    currentRules(db),
    pointsBalance(db, visit.clientId),
  ]);
  return maxPointsSpend(Number(expectedAmount(visit)), balance, rules);
}

/** Price, the discount recorded at booking, the coupon held for the visit and the amount due. */
export async function promisedFor(db: Db, visit: VisitView): Promise<Promised> {
  const [coupon, balance, spendable] = await Promise.all([
    db
      .selectFrom('coupons')
      .select(['code', 'percent'])
      .where('reserved_for', '=', visit.id)
      .executeTakeFirst(),
    visit.clientId ? pointsBalance(db, visit.clientId) : Promise.resolve(0),
    spendablePoints(db, visit),
  ]);
  return {
    price: visit.price,
    discountPct: visit.discountPct,
    due: expectedAmount(visit),
    coupon: coupon ? { code: coupon.code, percent: Number(coupon.percent) } : null,
    pointsBalance: balance,
    spendablePoints: spendable,
  };
}
