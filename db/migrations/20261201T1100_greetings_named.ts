import { type Kysely, sql } from 'kysely';

// Frozen. The product says "greetings" (birthday, holiday, win-back); stored names follow it:
// the table of sent greetings, its kind column, the send-hour setting and the job's runs.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaign_messages').renameTo('greeting_messages').execute();
  await db.schema.alterTable('greeting_messages').renameColumn('campaign', 'greeting').execute();
  await sql`ALTER TABLE greeting_messages RENAME CONSTRAINT campaign_messages_once TO greeting_messages_once`.execute(
    db,
  );
  await sql`ALTER INDEX campaign_messages_pkey RENAME TO greeting_messages_pkey`.execute(db);
  await sql`UPDATE settings SET key = 'greetings.local_hour' WHERE key = 'campaigns.local_hour'`.execute(
    db,
  );
  await sql`UPDATE job_runs SET job = 'greetings' WHERE job = 'campaigns'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`UPDATE job_runs SET job = 'campaigns' WHERE job = 'greetings'`.execute(db);
  await sql`UPDATE settings SET key = 'campaigns.local_hour' WHERE key = 'greetings.local_hour'`.execute(
    db,
  );
  await sql`ALTER TABLE greeting_messages RENAME CONSTRAINT greeting_messages_once TO campaign_messages_once`.execute(
    db,
  );
  await sql`ALTER INDEX greeting_messages_pkey RENAME TO campaign_messages_pkey`.execute(db);
  await db.schema.alterTable('greeting_messages').renameColumn('greeting', 'campaign').execute();
  await db.schema.alterTable('greeting_messages').renameTo('campaign_messages').execute();
}
