import { type Kysely, sql } from 'kysely';

// Frozen: this migration imports nothing from the app and must never change once released.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS btree_gist`.execute(db);

  await db.schema
    .createTable('branches')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('phone', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('staff_users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role IN ('owner', 'admin', 'manager', 'master', 'analyst')`),
    )
    .addColumn('branch_id', 'uuid', (c) => c.references('branches.id').onDelete('set null'))
    .addColumn('telegram_user_id', 'bigint', (c) => c.unique())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('ru'))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('must_change_password', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_login_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE UNIQUE INDEX staff_users_email_key ON staff_users (lower(email))`.execute(db);

  await db.schema
    .createTable('masters')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('branch_id', 'uuid', (c) => c.notNull().references('branches.id'))
    .addColumn('staff_user_id', 'uuid', (c) =>
      c.unique().references('staff_users.id').onDelete('set null'),
    )
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('services')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('branch_id', 'uuid', (c) => c.references('branches.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('duration_min', 'integer', (c) => c.notNull().check(sql`duration_min > 0`))
    .addColumn('buffer_min', 'integer', (c) => c.notNull().defaultTo(0).check(sql`buffer_min >= 0`))
    .addColumn('price', 'numeric(12, 2)', (c) => c.notNull().check(sql`price >= 0`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('acquisition_sources')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('parent_id', 'uuid', (c) =>
      c.references('acquisition_sources.id').onDelete('restrict'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('link_code', 'text', (c) =>
      c.unique().check(sql`link_code ~ '^[A-Za-z0-9_-]{1,40}$'`),
    )
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Personal fields are *_enc ciphertexts made by the crypto module; *_bidx are truncated keyed
  // hashes for search. Nothing here holds plaintext personal data.
  await db.schema
    .createTable('clients')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('data_key', 'bytea', (c) => c.notNull())
    .addColumn('name_enc', 'bytea')
    .addColumn('phone_enc', 'bytea')
    .addColumn('birthday_enc', 'bytea')
    .addColumn('notes_enc', 'bytea')
    .addColumn('allergies_enc', 'bytea')
    .addColumn('preferences_enc', 'bytea')
    .addColumn('phone_bidx', 'integer')
    .addColumn('name_bidx', sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('birthday_bidx', 'integer')
    .addColumn('telegram_user_id', 'bigint', (c) => c.unique())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('ru'))
    .addColumn('source_id', 'uuid', (c) =>
      c.references('acquisition_sources.id').onDelete('set null'),
    )
    .addColumn('referrer_id', 'uuid', (c) => c.references('clients.id').onDelete('set null'))
    .addColumn('referral_code', 'text', (c) => c.notNull().unique())
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('home_branch_id', 'uuid', (c) => c.references('branches.id').onDelete('set null'))
    .addColumn('blocked_bot_at', 'timestamptz')
    .addColumn('erased_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('clients_no_self_referral', sql`referrer_id IS NULL OR referrer_id <> id`)
    .execute();
  await db.schema.createIndex('clients_phone_bidx').on('clients').column('phone_bidx').execute();
  await db.schema
    .createIndex('clients_birthday_bidx')
    .on('clients')
    .column('birthday_bidx')
    .execute();
  await sql`CREATE INDEX clients_name_bidx ON clients USING gin (name_bidx)`.execute(db);
  await db.schema.createIndex('clients_referrer').on('clients').column('referrer_id').execute();
  await db.schema.createIndex('clients_created_at').on('clients').column('created_at').execute();

  await db.schema
    .createTable('client_consents')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('client_id', 'uuid', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) =>
      c.notNull().check(sql`purpose IN ('personal_data', 'health_data', 'marketing')`),
    )
    .addColumn('document_version', 'text', (c) => c.notNull())
    .addColumn('granted', 'boolean', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('client_consents_client')
    .on('client_consents')
    .columns(['client_id', 'purpose', 'recorded_at'])
    .execute();

  await db.schema
    .createTable('appointments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('branch_id', 'uuid', (c) => c.notNull().references('branches.id'))
    .addColumn('master_id', 'uuid', (c) => c.notNull().references('masters.id'))
    .addColumn('service_id', 'uuid', (c) => c.notNull().references('services.id'))
    .addColumn('client_id', 'uuid', (c) => c.references('clients.id').onDelete('set null'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('booked')
        .check(sql`status IN ('booked', 'confirmed', 'done', 'cancelled', 'no_show')`),
    )
    .addColumn('price', 'numeric(12, 2)', (c) => c.notNull())
    .addColumn('discount_pct', 'numeric(5, 2)', (c) => c.notNull().defaultTo(0))
    .addColumn('amount_paid', 'numeric(12, 2)')
    .addColumn('channel', 'text', (c) =>
      c.notNull().check(sql`channel IN ('bot', 'panel', 'import')`),
    )
    .addColumn('created_by_staff_id', 'uuid', (c) =>
      c.references('staff_users.id').onDelete('set null'),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('appointments_positive_length', sql`ends_at > starts_at`)
    .execute();
  // Double booking is impossible by construction: active visits of one master never overlap.
  await sql`ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap
    EXCLUDE USING gist (master_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status IN ('booked', 'confirmed'))`.execute(db);
  await db.schema
    .createIndex('appointments_client')
    .on('appointments')
    .columns(['client_id', 'starts_at'])
    .execute();
  await db.schema
    .createIndex('appointments_starts_at')
    .on('appointments')
    .column('starts_at')
    .execute();

  // Message bodies can hold names and free text: they are stored encrypted (payload_enc).
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('chat_id', 'bigint', (c) => c.notNull())
    .addColumn('client_id', 'uuid', (c) => c.references('clients.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload_enc', 'bytea', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status IN ('pending', 'sent', 'failed', 'dead')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_before', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await sql`CREATE INDEX outbox_due ON outbox (not_before, id) WHERE status = 'pending'`.execute(
    db,
  );

  await db.schema
    .createTable('processed_updates')
    .addColumn('update_id', 'bigint', (c) => c.primaryKey())
    .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('processed_updates_at')
    .on('processed_updates')
    .column('processed_at')
    .execute();

  // Conversation state holds raw updates (free text included): encrypted, keyed by chat.
  await db.schema
    .createTable('conversation_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value_enc', 'bytea', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('job_runs')
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('tick', 'timestamptz', (c) => c.notNull())
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('running').check(sql`status IN ('running', 'done', 'failed')`),
    )
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('job_runs_pkey', ['job', 'tick'])
    .execute();

  // Who did what to which record; `details` carries field names and ids, never personal values.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_type', 'text', (c) =>
      c.notNull().check(sql`actor_type IN ('staff', 'client', 'system')`),
    )
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema
    .createIndex('audit_log_entity')
    .on('audit_log')
    .columns(['entity', 'entity_id', 'at'])
    .execute();

  await db.schema
    .createTable('admin_sessions')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('admin_sessions_expiry')
    .on('admin_sessions')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'settings',
    'admin_sessions',
    'audit_log',
    'job_runs',
    'conversation_state',
    'processed_updates',
    'outbox',
    'appointments',
    'client_consents',
    'clients',
    'acquisition_sources',
    'services',
    'masters',
    'staff_users',
    'branches',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
