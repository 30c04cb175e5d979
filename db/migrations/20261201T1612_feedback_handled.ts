import { type Kysely, sql } from 'kysely';

// Frozen. The owner's feedback inbox: a rating or a /feedback message is "handled" once someone
// on the staff has dealt with it (who and when; the audit log keeps the history). Low scores not
// yet handled are what the inbox and the staff start page show first.
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['visit_feedback', 'client_messages']) {
    await db.schema
      .alterTable(table)
      .addColumn('handled_at', 'timestamptz')
      .addColumn('handled_by', 'uuid', (c) => c.references('staff_users.id').onDelete('set null'))
      .execute();
  }
  await sql`CREATE INDEX visit_feedback_unhandled ON visit_feedback (score, created_at)
    WHERE handled_at IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS visit_feedback_unhandled`.execute(db);
  for (const table of ['visit_feedback', 'client_messages']) {
    await db.schema.alterTable(table).dropColumn('handled_by').dropColumn('handled_at').execute();
  }
}
