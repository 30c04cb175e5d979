import { type Kysely, sql } from 'kysely';

// Frozen. The Telegram sandbox (no BOT_TOKEN): personas, their chats and the updates the bot
// has not fetched yet. Everything typed or sent is sealed by the app (bytea *_enc columns).
// Persona ids start at 2^52: Telegram's user ids have at most 52 significant bits, so they
// never collide with a real account, and they stay exact as JavaScript numbers (< 2^53).
const SANDBOX_IDS = 4503599627370496n;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sandbox_personas')
    .addColumn('telegram_user_id', 'bigint', (c) =>
      c.primaryKey().check(sql`telegram_user_id >= ${sql.raw(SANDBOX_IDS.toString())}::bigint`),
    )
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('client', 'master')`))
    .addColumn('name_enc', 'bytea', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().check(sql`language IN ('ru', 'en')`))
    .addColumn('staff_user_id', 'uuid', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('created_by', 'uuid', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('last_message_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE SEQUENCE sandbox_persona_ids START ${sql.raw(SANDBOX_IDS.toString())} MINVALUE ${sql.raw(SANDBOX_IDS.toString())}`.execute(
    db,
  );

  await db.schema
    .createTable('sandbox_messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('persona_id', 'bigint', (c) =>
      c.notNull().references('sandbox_personas.telegram_user_id').onDelete('cascade'),
    )
    // Telegram's id inside the chat; null for what is not a message (a button's toast).
    .addColumn('message_id', 'integer')
    .addColumn('from_bot', 'boolean', (c) => c.notNull())
    .addColumn('body_enc', 'bytea', (c) => c.notNull())
    .addColumn('file_enc', 'bytea')
    .addColumn('edited_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('sandbox_messages_chat_message', ['persona_id', 'message_id'])
    .execute();

  // update_id from a sequence: ids stay unique across restarts (the bot de-duplicates by id).
  await db.schema
    .createTable('sandbox_updates')
    .addColumn('update_id', 'bigserial', (c) => c.primaryKey())
    .addColumn('persona_id', 'bigint', (c) =>
      c.notNull().references('sandbox_personas.telegram_user_id').onDelete('cascade'),
    )
    .addColumn('payload_enc', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // The analytics' marker: a client whose Telegram id is a sandbox persona's is test data.
  await sql`ALTER TABLE clients ADD COLUMN sandbox boolean NOT NULL
    GENERATED ALWAYS AS (coalesce(telegram_user_id >= ${sql.raw(SANDBOX_IDS.toString())}::bigint, false)) STORED`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('sandbox').execute();
  await db.schema.dropTable('sandbox_updates').execute();
  await db.schema.dropTable('sandbox_messages').execute();
  await sql`DROP SEQUENCE sandbox_persona_ids`.execute(db);
  await db.schema.dropTable('sandbox_personas').execute();
}
