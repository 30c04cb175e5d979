import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { InvalidInputError } from '../errors.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import { DEFAULT_RULES, type LoyaltyRules, rulesSchema } from './loyalty-rules.js';

/** One saved version of the rules: who saved it and when (no rules body). */
export interface RulesVersion {
  version: number;
  by: string | null;
  at: Date;
}

/** The rules in force (version 0 and the defaults before the salon saved any). */
export async function currentRules(db: Db): Promise<{ version: number; rules: LoyaltyRules }> {
  const row = await db
    .selectFrom('loyalty_rules')
    .select(['version', 'rules'])
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return { version: 0, rules: DEFAULT_RULES };
  const parsed = rulesSchema.safeParse(row.rules);
  return { version: row.version, rules: parsed.success ? parsed.data : DEFAULT_RULES };
}

/** The rules a visit was booked under, or today's when that version is unknown. */
export async function rulesOfVersion(db: Db, version: number | null): Promise<LoyaltyRules> {
  const saved =
    version === null
      ? undefined
      : await db
          .selectFrom('loyalty_rules')
          .select('rules')
          .where('version', '=', version)
          .executeTakeFirst();
  const parsed = saved ? rulesSchema.safeParse(saved.rules) : null;
  return parsed?.success ? parsed.data : (await currentRules(db)).rules;
}

/**
 * Saves edited rules as a new version with its audit entry, in one transaction; the old versions
 * stay for visits booked under them. Two saves at once cannot take one number (primary key).
 */
export async function saveRules(db: Db, input: unknown, actor: Actor): Promise<number> {
  const parsed = rulesSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(
      issue?.path.join('.') || 'rules',
      issue?.message.startsWith('duplicate-') ? 'duplicate' : 'invalid',
    );
  }
  return inTransaction(db, async (tx) => {
    const { version } = await currentRules(tx);
    await tx
      .insertInto('loyalty_rules')
      .values({
        version: version + 1,
        rules: JSON.stringify(parsed.data),
        created_by: actor.type === 'staff' ? actor.id : null,
      })
      .execute();
    await recordAudit(tx, actor, {
      action: 'set-rules',
      entity: 'loyalty_rules',
      entityId: null,
      details: { version: version + 1 },
    });
    return version + 1;
  });
}

/** The saved versions of the rules, newest first, with the staff member who saved each. */
export async function rulesHistory(db: Db, limit = 50): Promise<RulesVersion[]> {
  const rows = await db
    .selectFrom('loyalty_rules as r')
    .leftJoin('staff_users as s', 's.id', 'r.created_by')
    .select(['r.version', 'r.created_at', 's.display_name'])
    .orderBy('r.version', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ version: r.version, by: r.display_name, at: r.created_at }));
}
