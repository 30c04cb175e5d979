import { type Kysely, sql } from 'kysely';

// Frozen. Failed panel logins counted per account and address (growing delays instead of a
// lock-out of the account for everybody), and when the account's holder was last warned.
// `account` is a staff id, or a keyed hash of an e-mail no account has: unknown e-mails are
// counted the same way, so a login costs the same work whether or not the account exists.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_throttle')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_failure_at', 'timestamptz')
    .addColumn('next_allowed_at', 'timestamptz')
    .addColumn('last_success_at', 'timestamptz')
    .addPrimaryKeyConstraint('login_throttle_pk', ['account', 'ip'])
    .execute();
  await db.schema.alterTable('staff_users').addColumn('attack_noticed_at', 'timestamptz').execute();
  // The old lock-out's leftovers must not keep anyone out after the upgrade.
  await sql`UPDATE staff_users SET locked_until = NULL, failed_logins = 0`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('staff_users').dropColumn('attack_noticed_at').execute();
  await db.schema.dropTable('login_throttle').execute();
}
