import { sql } from 'kysely';
import { referralPercentOf } from '../loyalty/loyalty-queries.js';
import { type NoticeDeps, queueNotice } from '../shared/notice.js';
import { type Db, inTransaction, type Tx } from '../shared/transaction.js';

export type Attribution = { referrerId: string } | { ignored: 'unknown' | 'self' | 'cycle' };

export interface ReferralSummary {
  code: string;
  pending: number;
  qualified: number;
  discountPercent: number;
}

export interface TreeNode {
  clientId: string;
  referrerId: string;
  depth: number;
  status: 'pending' | 'qualified';
}

const CODE = /^[A-Za-z0-9_-]{6,32}$/;

/**
 * Who brought whom. A friend's referral stays pending until their first paid visit is done,
 * and only then counts towards the referrer's discount (PRODUCT.md L2, L3).
 */

/** Links a new client to the owner of a referral code, in the caller's transaction. */
export async function attributeReferral(
  tx: Tx,
  deps: NoticeDeps,
  referredId: string,
  code: string,
): Promise<Attribution> {
  if (!CODE.test(code)) return { ignored: 'unknown' };
  const referrer = await tx
    .selectFrom('clients')
    .select(['id', 'telegram_user_id', 'locale'])
    .where('referral_code', '=', code)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  if (!referrer) return { ignored: 'unknown' };
  if (referrer.id === referredId) return { ignored: 'self' };
  if (await isAncestor(tx, referredId, referrer.id)) return { ignored: 'cycle' };
  await tx
    .insertInto('referrals')
    .values({ referrer_id: referrer.id, referred_id: referredId })
    .execute();
  await tx
    .updateTable('clients')
    .set({ referrer_id: referrer.id })
    .where('id', '=', referredId)
    .execute();
  if (referrer.telegram_user_id !== null)
    await queueNotice(tx, deps, {
      dedupeKey: `referral-joined:${referredId}`,
      kind: 'referral-joined',
      to: {
        chatId: Number(referrer.telegram_user_id),
        clientId: referrer.id,
        locale: referrer.locale,
      },
      key: 'referral-friend-joined',
    });
  return { referrerId: referrer.id };
}

/** True when `ancestor` is `clientId` or stands above it in the referral tree. */
async function isAncestor(db: Db, ancestor: string, clientId: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    WITH RECURSIVE up(id, depth) AS (
      SELECT ${clientId}::uuid, 0
      UNION ALL
      SELECT r.referrer_id, up.depth + 1 FROM referrals r JOIN up ON r.referred_id = up.id WHERE up.depth < 100
    )
    SELECT EXISTS (SELECT 1 FROM up WHERE id = ${ancestor}::uuid) AS found`.execute(db);
  return rows[0]?.found ?? false;
}

/**
 * In the transaction completing a client's paid visit: a pending referral of theirs qualifies
 * once, and the referrer hears about it with the discount it now gives.
 */
export async function qualifyReferral(
  tx: Tx,
  deps: NoticeDeps,
  referredId: string,
): Promise<{ referrerId: string; discountPercent: number } | null> {
  const row = await tx
    .updateTable('referrals')
    .set({ status: 'qualified', qualified_at: sql`now()` })
    .where('referred_id', '=', referredId)
    .where('status', '=', 'pending')
    .returning('referrer_id')
    .executeTakeFirst();
  if (!row) return null;
  const { n } = await tx
    .selectFrom('referrals')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('referrer_id', '=', row.referrer_id)
    .where('status', '=', 'qualified')
    .executeTakeFirstOrThrow();
  const discountPercent = await referralPercentOf(tx, row.referrer_id);
  const referrer = await tx
    .selectFrom('clients')
    .select(['telegram_user_id', 'locale'])
    .where('id', '=', row.referrer_id)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  if (referrer?.telegram_user_id)
    await queueNotice(tx, deps, {
      dedupeKey: `referral-qualified:${referredId}`,
      kind: 'referral-qualified',
      to: {
        chatId: Number(referrer.telegram_user_id),
        clientId: row.referrer_id,
        locale: referrer.locale,
      },
      key: 'referral-friend-qualified',
      params: { count: Number(n), discount: discountPercent },
    });
  return { referrerId: row.referrer_id, discountPercent };
}

export async function referralSummary(db: Db, clientId: string): Promise<ReferralSummary> {
  const client = await db
    .selectFrom('clients')
    .select('referral_code')
    .where('id', '=', clientId)
    .executeTakeFirstOrThrow();
  const counts = await db
    .selectFrom('referrals')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('referrer_id', '=', clientId)
    .groupBy('status')
    .execute();
  return {
    code: client.referral_code,
    pending: Number(counts.find((c) => c.status === 'pending')?.n ?? 0),
    qualified: Number(counts.find((c) => c.status === 'qualified')?.n ?? 0),
    discountPercent: await referralPercentOf(db, clientId),
  };
}

/** Everyone a client brought, and whom they brought, down to `maxDepth` levels (for A2, L6). */
export async function referralTree(db: Db, clientId: string, maxDepth = 10): Promise<TreeNode[]> {
  const { rows } = await sql<{
    client_id: string;
    referrer_id: string;
    depth: number;
    status: 'pending' | 'qualified';
  }>`
    WITH RECURSIVE down(client_id, referrer_id, depth, status) AS (
      SELECT referred_id, referrer_id, 1, status FROM referrals WHERE referrer_id = ${clientId}::uuid
      UNION ALL
      SELECT r.referred_id, r.referrer_id, d.depth + 1, r.status
      FROM referrals r JOIN down d ON r.referrer_id = d.client_id
      WHERE d.depth < ${maxDepth}
    )
    SELECT client_id, referrer_id, depth, status FROM down ORDER BY depth, client_id`.execute(db);
  return rows.map((r) => ({
    clientId: r.client_id,
    referrerId: r.referrer_id,
    depth: Number(r.depth),
    status: r.status,
  }));
}

/** Referrals as the bot and the panel use them, over the pool. */
export class ReferralService {
  constructor(
    private readonly db: Db,
    private readonly deps: NoticeDeps,
  ) {}

  /** In the caller's transaction (registration). */
  attribute(tx: Tx, referredId: string, code: string) {
    return attributeReferral(tx, this.deps, referredId, code);
  }

  /** On its own, for a completion recorded elsewhere; completing a visit calls qualifyReferral. */
  qualify(referredId: string) {
    return inTransaction(this.db, (tx) => qualifyReferral(tx, this.deps, referredId));
  }

  summary(clientId: string) {
    return referralSummary(this.db, clientId);
  }

  tree(clientId: string, maxDepth?: number) {
    return referralTree(this.db, clientId, maxDepth);
  }
}
