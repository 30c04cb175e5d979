import { type Kysely, sql } from 'kysely';

// Frozen. Telegram's limits are per bot token, so every dispatcher process shares them here.
// send_slots: one row per message allowed in any second; a sender holds a slot while its call is
// in flight and frees it one second after Telegram answered, so no second sees more sends than
// there are slots. send_pause: Telegram's last retry_after, for every process. chat_sends: when
// each chat may get its next message.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('send_slots')
    .addColumn('slot', 'integer', (c) => c.primaryKey().check(sql`slot >= 0`))
    .addColumn('free_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`'epoch'`))
    .execute();
  await db.schema
    .createTable('send_pause')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('paused_until', 'timestamptz', (c) => c.notNull().defaultTo(sql`'epoch'`))
    .execute();
  await sql`INSERT INTO send_pause DEFAULT VALUES`.execute(db);
  await db.schema
    .createTable('chat_sends')
    .addColumn('chat_id', 'bigint', (c) => c.primaryKey())
    .addColumn('free_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('chat_sends').execute();
  await db.schema.dropTable('send_pause').execute();
  await db.schema.dropTable('send_slots').execute();
}
