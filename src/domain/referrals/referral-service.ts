import { type Kysely, sql, type Transaction } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { LoyaltyService } from '../loyalty/loyalty-service.js';
import type { Translate } from '../messages/translate.js';
import { enqueueMessage } from '../outbox/outbox.js';

type Db = Kysely<Database> | Transaction<Database>;

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
export class ReferralService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly crypto: Crypto,
    private readonly translate: Translate,
    private readonly loyalty: LoyaltyService,
  ) {}

  /** Links a new client to the owner of a referral code, in the caller's transaction. */
  async attribute(
    tx: Transaction<Database>,
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
    if (await this.isAncestor(tx, referredId, referrer.id)) return { ignored: 'cycle' };
    await tx
      .insertInto('referrals')
      .values({ referrer_id: referrer.id, referred_id: referredId })
      .execute();
    await tx
      .updateTable('clients')
      .set({ referrer_id: referrer.id })
      .where('id', '=', referredId)
      .execute();
    if (referrer.telegram_user_id !== null) {
      await enqueueMessage(tx, this.crypto, {
        dedupeKey: `referral-joined:${referredId}`,
        chatId: Number(referrer.telegram_user_id),
        clientId: referrer.id,
        kind: 'referral-joined',
        message: { text: this.translate(referrer.locale, 'referral-friend-joined') },
      });
    }
    return { referrerId: referrer.id };
  }

  /** True when `ancestor` is `clientId` or stands above it in the referral tree. */
  private async isAncestor(db: Db, ancestor: string, clientId: string): Promise<boolean> {
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
   * Called when a client's paid visit is completed: a pending referral of theirs qualifies
   * once, and the referrer hears about it with the discount it now gives.
   */
  async qualify(
    referredId: string,
  ): Promise<{ referrerId: string; discountPercent: number } | null> {
    return this.db.transaction().execute(async (tx) => {
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
      const discountPercent = await this.loyalty.referralPercentOf(row.referrer_id, tx);
      const referrer = await tx
        .selectFrom('clients')
        .select(['telegram_user_id', 'locale'])
        .where('id', '=', row.referrer_id)
        .where('erased_at', 'is', null)
        .executeTakeFirst();
      if (referrer?.telegram_user_id) {
        await enqueueMessage(tx, this.crypto, {
          dedupeKey: `referral-qualified:${referredId}`,
          chatId: Number(referrer.telegram_user_id),
          clientId: row.referrer_id,
          kind: 'referral-qualified',
          message: {
            text: this.translate(referrer.locale, 'referral-friend-qualified', {
              count: Number(n),
              discount: discountPercent,
            }),
          },
        });
      }
      return { referrerId: row.referrer_id, discountPercent };
    });
  }

  async summary(clientId: string): Promise<ReferralSummary> {
    const client = await this.db
      .selectFrom('clients')
      .select('referral_code')
      .where('id', '=', clientId)
      .executeTakeFirstOrThrow();
    const counts = await this.db
      .selectFrom('referrals')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('referrer_id', '=', clientId)
      .groupBy('status')
      .execute();
    const pending = Number(counts.find((c) => c.status === 'pending')?.n ?? 0);
    const qualified = Number(counts.find((c) => c.status === 'qualified')?.n ?? 0);
    return {
      code: client.referral_code,
      pending,
      qualified,
      discountPercent: await this.loyalty.referralPercentOf(clientId),
    };
  }

  /** Everyone a client brought, and whom they brought, down to `maxDepth` levels (for A2, L6). */
  async tree(clientId: string, maxDepth = 10): Promise<TreeNode[]> {
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
      SELECT client_id, referrer_id, depth, status FROM down ORDER BY depth, client_id`.execute(
      this.db,
    );
    return rows.map((r) => ({
      clientId: r.client_id,
      referrerId: r.referrer_id,
      depth: Number(r.depth),
      status: r.status,
    }));
  }
}
