import { type Kysely, sql } from 'kysely';

// Frozen. Referrals, loyalty cards, one-time staff link tokens, marketing opt-in state.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('referrals')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('referrer_id', 'uuid', (c) =>
      c.notNull().references('clients.id').onDelete('cascade'),
    )
    .addColumn('referred_id', 'uuid', (c) =>
      c.notNull().unique().references('clients.id').onDelete('cascade'),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status IN ('pending', 'qualified')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('qualified_at', 'timestamptz')
    .addCheckConstraint('referrals_not_self', sql`referrer_id <> referred_id`)
    .execute();
  await db.schema
    .createIndex('referrals_referrer')
    .on('referrals')
    .columns(['referrer_id', 'status'])
    .execute();

  await db.schema
    .createTable('loyalty_cards')
    .addColumn('number', 'text', (c) => c.primaryKey().check(sql`number ~ '^[0-9]{10}$'`))
    .addColumn('client_id', 'uuid', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  // One active card per client.
  await sql`CREATE UNIQUE INDEX loyalty_cards_active ON loyalty_cards (client_id) WHERE revoked_at IS NULL`.execute(
    db,
  );

  await db.schema
    .createTable('staff_link_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('staff_user_id', 'uuid', (c) =>
      c.notNull().references('staff_users.id').onDelete('cascade'),
    )
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .alterTable('clients')
    .addColumn('marketing_opt_in', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('marketing_opt_in').execute();
  await db.schema.dropTable('staff_link_tokens').execute();
  await db.schema.dropTable('loyalty_cards').execute();
  await db.schema.dropTable('referrals').execute();
}
