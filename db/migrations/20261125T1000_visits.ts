import { type Kysely, sql } from 'kysely';

// Frozen. What happens to a visit after it is booked: confirmation, cancellation, completion
// and the client's feedback.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('appointments')
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('cancelled_at', 'timestamptz')
    .addColumn('cancelled_by', 'text', (c) => c.check(sql`cancelled_by IN ('client', 'staff')`))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('completed_by_staff_id', 'uuid', (c) =>
      c.references('staff_users.id').onDelete('set null'),
    )
    .addColumn('moved_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`ALTER TABLE appointments ADD CONSTRAINT appointments_amount_paid CHECK (amount_paid IS NULL OR amount_paid >= 0)`.execute(
    db,
  );
  // Staff messages about clients (agendas, rating alerts) name them: erasure deletes those too.
  await db.schema
    .alterTable('outbox')
    .addColumn('about_client_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
  await sql`CREATE INDEX outbox_about_clients ON outbox USING gin (about_client_ids)`.execute(db);
  // Reminders and agendas look visits up by start time and status.
  await db.schema
    .createIndex('appointments_active_start')
    .on('appointments')
    .column('starts_at')
    .where(sql.ref('status'), 'in', ['booked', 'confirmed'])
    .execute();

  // The comment is free text, so it is encrypted (system key, bound to the row); erasing the
  // client deletes it.
  await db.schema
    .createTable('visit_feedback')
    .addColumn('appointment_id', 'uuid', (c) =>
      c.primaryKey().references('appointments.id').onDelete('cascade'),
    )
    .addColumn('client_id', 'uuid', (c) => c.references('clients.id').onDelete('set null'))
    .addColumn('score', 'smallint', (c) => c.notNull().check(sql`score BETWEEN 1 AND 5`))
    .addColumn('comment_enc', 'bytea')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('visit_feedback').execute();
  await db.schema.alterTable('outbox').dropColumn('about_client_ids').execute();
  await db.schema.dropIndex('appointments_active_start').execute();
  await sql`ALTER TABLE appointments DROP CONSTRAINT appointments_amount_paid`.execute(db);
  await db.schema
    .alterTable('appointments')
    .dropColumn('confirmed_at')
    .dropColumn('cancelled_at')
    .dropColumn('cancelled_by')
    .dropColumn('completed_at')
    .dropColumn('completed_by_staff_id')
    .dropColumn('moved_count')
    .execute();
}
