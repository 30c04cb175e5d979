import { type Kysely, sql } from 'kysely';

// Frozen. What the owner's analytics read at size (src/domain/analytics):
// - indexes for completed visits by time and by client, greetings by time, clients by home
//   branch;
// - monthly summaries per branch (and for the whole salon, branch_id NULL) of completed visits
//   by service and category, and of bookings by weekday and hour — each visit counted in its
//   branch's local calendar. A trigger marks the (branch, month) a changed visit touches as
//   dirty; a job recomputes dirty months (src/domain/analytics/summary.ts);
// - clients' home branch, never written before: the branch of their first booking.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX appointments_done_start ON appointments (starts_at)
    INCLUDE (branch_id, service_id, client_id, master_id, amount_paid) WHERE status = 'done'`.execute(
    db,
  );
  await sql`CREATE INDEX appointments_done_client ON appointments (client_id, starts_at)
    INCLUDE (service_id, amount_paid) WHERE status = 'done'`.execute(db);
  await sql`CREATE INDEX greeting_messages_sent ON greeting_messages (sent_at)`.execute(db);
  await sql`CREATE INDEX clients_home_branch ON clients (home_branch_id)`.execute(db);

  await sql`CREATE TABLE analytics_month_services (
    branch_id uuid REFERENCES branches(id) ON DELETE CASCADE,
    month date NOT NULL,
    category text,
    service_id uuid,
    service_name text,
    visits integer NOT NULL,
    revenue numeric(14, 2) NOT NULL,
    clients integer NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX analytics_month_services_key ON analytics_month_services (month, branch_id)`.execute(
    db,
  );
  await sql`CREATE TABLE analytics_month_hours (
    branch_id uuid REFERENCES branches(id) ON DELETE CASCADE,
    month date NOT NULL,
    weekday smallint NOT NULL,
    hour smallint NOT NULL,
    bookings integer NOT NULL,
    clients integer NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX analytics_month_hours_key ON analytics_month_hours (month, branch_id)`.execute(
    db,
  );
  await sql`CREATE TABLE analytics_dirty (
    branch_id uuid NOT NULL,
    month date NOT NULL,
    marked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (branch_id, month)
  )`.execute(db);
  // Each client's completed-visit facts and each service's typical cycle: the churn model's
  // inputs, refreshed for the clients whose visits changed.
  await sql`CREATE TABLE analytics_client_facts (
    client_id uuid PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    visits integer NOT NULL,
    spend numeric(14, 2) NOT NULL,
    first_at timestamptz NOT NULL,
    last_at timestamptz NOT NULL,
    own_days float8,
    first_service uuid,
    last_service uuid
  )`.execute(db);
  await sql`CREATE TABLE analytics_service_cycles (
    service_id uuid PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
    days float8 NOT NULL
  )`.execute(db);
  await sql`CREATE TABLE analytics_dirty_clients (client_id uuid PRIMARY KEY)`.execute(db);
  await sql`CREATE TABLE analytics_refresh (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    refreshed_at timestamptz NOT NULL
  )`.execute(db);

  await sql`CREATE FUNCTION analytics_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO analytics_dirty (branch_id, month)
          SELECT DISTINCT o.branch_id, date_trunc('month', o.starts_at AT TIME ZONE b.time_zone)::date
          FROM old_rows o JOIN branches b ON b.id = o.branch_id
        ON CONFLICT DO NOTHING;
        INSERT INTO analytics_dirty_clients (client_id)
          SELECT DISTINCT o.client_id FROM old_rows o WHERE o.client_id IS NOT NULL
        ON CONFLICT DO NOTHING;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO analytics_dirty (branch_id, month)
          SELECT DISTINCT n.branch_id, date_trunc('month', n.starts_at AT TIME ZONE b.time_zone)::date
          FROM new_rows n JOIN branches b ON b.id = n.branch_id
        ON CONFLICT DO NOTHING;
        INSERT INTO analytics_dirty_clients (client_id)
          SELECT DISTINCT n.client_id FROM new_rows n WHERE n.client_id IS NOT NULL
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER appointments_analytics_ins AFTER INSERT ON appointments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_dirty()`.execute(
    db,
  );
  await sql`CREATE TRIGGER appointments_analytics_upd AFTER UPDATE ON appointments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_dirty()`.execute(db);
  await sql`CREATE TRIGGER appointments_analytics_del AFTER DELETE ON appointments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_dirty()`.execute(
    db,
  );
  await sql`INSERT INTO analytics_dirty (branch_id, month)
    SELECT DISTINCT a.branch_id, date_trunc('month', a.starts_at AT TIME ZONE b.time_zone)::date
    FROM appointments a JOIN branches b ON b.id = a.branch_id`.execute(db);

  await sql`INSERT INTO analytics_dirty_clients (client_id)
    SELECT DISTINCT client_id FROM appointments WHERE client_id IS NOT NULL`.execute(db);

  await sql`UPDATE clients c SET home_branch_id = first.branch_id
    FROM (SELECT DISTINCT ON (client_id) client_id, branch_id FROM appointments
      WHERE client_id IS NOT NULL ORDER BY client_id, created_at, starts_at) first
    WHERE first.client_id = c.id AND c.home_branch_id IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER appointments_analytics_ins ON appointments`.execute(db);
  await sql`DROP TRIGGER appointments_analytics_upd ON appointments`.execute(db);
  await sql`DROP TRIGGER appointments_analytics_del ON appointments`.execute(db);
  await sql`DROP FUNCTION analytics_mark_dirty()`.execute(db);
  for (const t of [
    'analytics_refresh',
    'analytics_dirty_clients',
    'analytics_service_cycles',
    'analytics_client_facts',
    'analytics_dirty',
    'analytics_month_hours',
    'analytics_month_services',
  ])
    await sql`DROP TABLE ${sql.table(t)}`.execute(db);
  for (const i of [
    'clients_home_branch',
    'greeting_messages_sent',
    'appointments_done_client',
    'appointments_done_start',
  ])
    await sql`DROP INDEX ${sql.table(i)}`.execute(db);
}
