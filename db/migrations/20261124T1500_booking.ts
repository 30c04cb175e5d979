import { type Kysely, sql } from 'kysely';

// Frozen. Who does what, when masters work, and buffers inside the no-overlap guarantee.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('master_services')
    .addColumn('master_id', 'uuid', (c) => c.notNull().references('masters.id').onDelete('cascade'))
    .addColumn('service_id', 'uuid', (c) =>
      c.notNull().references('services.id').onDelete('cascade'),
    )
    .addColumn('price', 'numeric(12, 2)', (c) => c.check(sql`price >= 0`))
    .addColumn('duration_min', 'integer', (c) => c.check(sql`duration_min > 0`))
    .addPrimaryKeyConstraint('master_services_pkey', ['master_id', 'service_id'])
    .execute();

  // Weekly hours: several rows a day make breaks (10–14 and 15–19 is a lunch break).
  await db.schema
    .createTable('working_hours')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('master_id', 'uuid', (c) => c.notNull().references('masters.id').onDelete('cascade'))
    .addColumn('weekday', 'integer', (c) => c.notNull().check(sql`weekday BETWEEN 1 AND 7`))
    .addColumn('starts', 'time', (c) => c.notNull())
    .addColumn('ends', 'time', (c) => c.notNull())
    .addCheckConstraint('working_hours_order', sql`ends > starts`)
    .execute();
  await db.schema
    .createIndex('working_hours_master')
    .on('working_hours')
    .columns(['master_id', 'weekday'])
    .execute();

  // A date's exception replaces that day's weekly hours: no rows of kind 'hours' = day off.
  await db.schema
    .createTable('schedule_exceptions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('master_id', 'uuid', (c) => c.notNull().references('masters.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('off', 'hours')`))
    .addColumn('starts', 'time')
    .addColumn('ends', 'time')
    .addColumn('note', 'text')
    .addCheckConstraint(
      'schedule_exceptions_shape',
      sql`(kind = 'off' AND starts IS NULL AND ends IS NULL) OR (kind = 'hours' AND ends > starts)`,
    )
    .execute();
  await db.schema
    .createIndex('schedule_exceptions_master_day')
    .on('schedule_exceptions')
    .columns(['master_id', 'day'])
    .execute();

  // The time a visit keeps its master busy includes the service's buffer after it; the
  // no-overlap guarantee covers that whole span.
  await db.schema.alterTable('appointments').addColumn('blocked_until', 'timestamptz').execute();
  await sql`UPDATE appointments SET blocked_until = ends_at`.execute(db);
  await sql`ALTER TABLE appointments ALTER COLUMN blocked_until SET NOT NULL`.execute(db);
  await sql`ALTER TABLE appointments ADD CONSTRAINT appointments_blocked_after_end CHECK (blocked_until >= ends_at)`.execute(
    db,
  );
  await sql`ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap`.execute(db);
  await sql`ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap
    EXCLUDE USING gist (master_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
    WHERE (status IN ('booked', 'confirmed'))`.execute(db);
  await db.schema
    .createIndex('appointments_master_time')
    .on('appointments')
    .columns(['master_id', 'starts_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap`.execute(db);
  await sql`ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap
    EXCLUDE USING gist (master_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status IN ('booked', 'confirmed'))`.execute(db);
  await db.schema
    .alterTable('appointments')
    .dropConstraint('appointments_blocked_after_end')
    .execute();
  await db.schema.alterTable('appointments').dropColumn('blocked_until').execute();
  await db.schema.dropTable('schedule_exceptions').execute();
  await db.schema.dropTable('working_hours').execute();
  await db.schema.dropTable('master_services').execute();
}
