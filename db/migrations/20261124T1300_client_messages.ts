import { type Kysely, sql } from 'kysely';

// Frozen. Messages people write to the salon from the bot; the body is encrypted (body_enc).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('client_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('telegram_user_id', 'bigint', (c) => c.notNull())
    .addColumn('client_id', 'uuid', (c) => c.references('clients.id').onDelete('cascade'))
    .addColumn('body_enc', 'bytea', (c) => c.notNull())
    .addColumn('read_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('client_messages_created')
    .on('client_messages')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('client_messages').execute();
}
