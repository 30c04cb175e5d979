import { type Kysely, sql } from 'kysely';

// Frozen. Client imports as rows, so any web process shows a job's progress and report and a
// restart cannot lose one. The uploaded file itself is never stored: it is read as the request
// streams in; the report holds line numbers, field names and error codes only, no cell values.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('import_jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('staff_user_id', 'uuid', (c) =>
      c.notNull().references('staff_users.id').onDelete('cascade'),
    )
    .addColumn('dry_run', 'boolean', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c.notNull().defaultTo('running').check(sql`state IN ('running', 'done', 'failed')`),
    )
    .addColumn('rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('report', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('import_jobs_staff')
    .on('import_jobs')
    .columns(['staff_user_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_jobs').execute();
}
