import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** numeric columns come back from pg as strings; write numbers or strings. */
type Numeric = ColumnType<string, number | string, number | string>;
/** bigint columns come back as strings (pg's default for int8). */
type BigIntId = ColumnType<string, number | string | bigint, number | string | bigint>;

export type StaffRole = 'owner' | 'admin' | 'manager' | 'master' | 'analyst';
export type AppointmentStatus = 'booked' | 'confirmed' | 'done' | 'cancelled' | 'no_show';
export type ConsentPurpose = 'personal_data' | 'health_data' | 'marketing';

export interface BranchesTable {
  id: Generated<string>;
  name: string;
  time_zone: string;
  address: string | null;
  phone: string | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export interface StaffUsersTable {
  id: Generated<string>;
  email: string;
  display_name: string;
  password_hash: string;
  role: StaffRole;
  branch_id: string | null;
  telegram_user_id: BigIntId | null;
  locale: Generated<string>;
  active: Generated<boolean>;
  must_change_password: Generated<boolean>;
  failed_logins: Generated<number>;
  /** Unfamiliar addresses may next try this account at this time (the account-wide ceiling). */
  locked_until: Timestamp | null;
  last_login_at: Timestamp | null;
  /** When the holder and the owners were last told of an attack on this account. */
  attack_noticed_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface MastersTable {
  id: Generated<string>;
  branch_id: string;
  staff_user_id: string | null;
  display_name: string;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export interface ServicesTable {
  id: Generated<string>;
  branch_id: string | null;
  name: string;
  category: Generated<string>;
  duration_min: number;
  buffer_min: Generated<number>;
  price: Numeric;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export interface AcquisitionSourcesTable {
  id: Generated<string>;
  parent_id: string | null;
  name: string;
  link_code: string | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export interface ClientsTable {
  id: string;
  data_key: Uint8Array;
  name_enc: Uint8Array | null;
  phone_enc: Uint8Array | null;
  birthday_enc: Uint8Array | null;
  notes_enc: Uint8Array | null;
  allergies_enc: Uint8Array | null;
  preferences_enc: Uint8Array | null;
  phone_bidx: number | null;
  name_bidx: ColumnType<number[], number[] | undefined, number[]>;
  birthday_bidx: number | null;
  telegram_user_id: BigIntId | null;
  locale: Generated<string>;
  source_id: string | null;
  referrer_id: string | null;
  referral_code: string;
  /** The client's tags as one encrypted JSON array; the plaintext `tags` column is gone. */
  tags_enc: Uint8Array | null;
  tags_bidx: ColumnType<number[], number[] | undefined, number[]>;
  home_branch_id: string | null;
  marketing_opt_in: Generated<boolean>;
  blocked_bot_at: Timestamp | null;
  erased_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  /** Worked out by PostgreSQL from telegram_user_id: a sandbox persona's client (test data). */
  sandbox: ColumnType<boolean, never, never>;
}

export interface ClientConsentsTable {
  id: Generated<string>;
  client_id: string;
  purpose: ConsentPurpose;
  document_version: string;
  granted: boolean;
  channel: string;
  recorded_at: Timestamp;
}

export interface AppointmentsTable {
  id: Generated<string>;
  branch_id: string;
  master_id: string;
  service_id: string;
  client_id: string | null;
  starts_at: Timestamp;
  ends_at: Timestamp;
  /** End of the visit plus the service's buffer: the span the no-overlap rule protects. */
  blocked_until: ColumnType<Date, Date | string, Date | string>;
  status: Generated<AppointmentStatus>;
  price: Numeric;
  discount_pct: ColumnType<string, number | string | undefined, number | string>;
  amount_paid: Numeric | null;
  channel: 'bot' | 'panel' | 'import';
  created_by_staff_id: string | null;
  confirmed_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  cancelled_by: 'client' | 'staff' | null;
  completed_at: Timestamp | null;
  completed_by_staff_id: string | null;
  moved_count: Generated<number>;
  coupon_id: string | null;
  points_spent: ColumnType<string, number | string | undefined, number | string>;
  rules_version: number | null;
  /** When it was booked, by the product's clock. */
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LoyaltyRulesTable {
  version: number;
  rules: ColumnType<unknown, string, string>;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface CouponsTable {
  id: Generated<string>;
  code: string;
  client_id: string | null;
  kind: 'birthday' | 'winback' | 'manual';
  percent: ColumnType<string, number | string, number | string>;
  categories: ColumnType<string[], string[] | undefined, string[]>;
  valid_from: Timestamp;
  valid_until: Timestamp;
  reserved_for: string | null;
  redeemed_at: Timestamp | null;
  redeemed_on: string | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  created_at: CreatedAt;
}

export interface PointsLedgerTable {
  id: Generated<string>;
  client_id: string;
  delta: ColumnType<string, number | string, number | string>;
  reason: 'earn' | 'spend' | 'adjust';
  appointment_id: string | null;
  created_at: CreatedAt;
}

export interface HolidaysTable {
  id: Generated<string>;
  name: string;
  kind: 'fixed' | 'nth-weekday';
  month: number;
  day: number | null;
  weekday: number | null;
  nth: number | null;
  local_hour: Generated<number>;
  audience: ColumnType<unknown, string | undefined, string>;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export interface MessageTemplatesTable {
  key: string;
  locale: string;
  body: string;
  updated_at: Generated<Date>;
}

export interface GreetingMessagesTable {
  id: Generated<string>;
  greeting: string;
  occurrence: string;
  client_id: string;
  coupon_id: string | null;
  sent_at: Timestamp;
}

export interface VisitFeedbackTable {
  appointment_id: string;
  client_id: string | null;
  score: number;
  comment_enc: Uint8Array | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  /** Dealt with by someone on the staff (the feedback inbox); the audit log keeps the history. */
  handled_at: Timestamp | null;
  handled_by: string | null;
}

export interface OutboxTable {
  id: Generated<string>;
  dedupe_key: string;
  chat_id: BigIntId;
  client_id: string | null;
  kind: string;
  payload_enc: Uint8Array;
  about_client_ids: ColumnType<string[], string[] | undefined, string[]>;
  status: Generated<'pending' | 'sent' | 'failed' | 'dead'>;
  attempts: Generated<number>;
  not_before: Timestamp;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
}

export interface ProcessedUpdatesTable {
  update_id: BigIntId;
  processed_at: Timestamp;
}

/** Telegram's global send rate, shared by every dispatcher (see src/jobs/send-limits.ts). */
export interface SendSlotsTable {
  slot: number;
  free_at: Timestamp;
}

export interface SendPauseTable {
  id: Generated<boolean>;
  paused_until: Timestamp;
}

export interface ChatSendsTable {
  chat_id: BigIntId;
  free_at: Timestamp;
}

export interface ConversationStateTable {
  key: string;
  value_enc: Uint8Array;
  updated_at: Timestamp;
}

export interface JobRunsTable {
  job: string;
  tick: Timestamp;
  claimed_by: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  status: Generated<'running' | 'done' | 'failed'>;
  error: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor_type: 'staff' | 'client' | 'system';
  actor_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  ip: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
}

/**
 * Failed logins per account and address; a row with a success marks a familiar address.
 * `account` is a staff id, or `unknown:` and a keyed hash of an e-mail no account has.
 */
export interface LoginThrottleTable {
  account: string;
  ip: string;
  failures: Generated<number>;
  last_failure_at: Timestamp | null;
  next_allowed_at: Timestamp | null;
  last_success_at: Timestamp | null;
}

export interface AdminSessionsTable {
  sid: string;
  data: ColumnType<Record<string, unknown>, string, string>;
  expires_at: Timestamp;
}

export interface SettingsTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
}

export interface ClientMessagesTable {
  id: string;
  telegram_user_id: BigIntId;
  client_id: string | null;
  body_enc: Uint8Array;
  read_at: Timestamp | null;
  created_at: CreatedAt;
  handled_at: Timestamp | null;
  handled_by: string | null;
}

export interface ReferralsTable {
  id: Generated<string>;
  referrer_id: string;
  referred_id: string;
  status: Generated<'pending' | 'qualified'>;
  created_at: CreatedAt;
  qualified_at: Timestamp | null;
}

export interface LoyaltyCardsTable {
  number: string;
  client_id: string;
  issued_at: CreatedAt;
  revoked_at: Timestamp | null;
}

export interface StaffLinkTokensTable {
  token_hash: string;
  staff_user_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface MasterServicesTable {
  master_id: string;
  service_id: string;
  price: Numeric | null;
  duration_min: number | null;
}

export interface WorkingHoursTable {
  id: Generated<string>;
  master_id: string;
  weekday: number;
  /** 'HH:MM:SS' */
  starts: string;
  ends: string;
}

export interface ScheduleExceptionsTable {
  id: Generated<string>;
  master_id: string;
  /** 'YYYY-MM-DD' in the branch's zone */
  day: ColumnType<string, string, string>;
  kind: 'off' | 'hours';
  starts: string | null;
  ends: string | null;
  note: string | null;
}

/** The Telegram sandbox (see src/sandbox): personas, their chats, updates not yet fetched. */
export interface SandboxPersonasTable {
  telegram_user_id: BigIntId;
  kind: 'client' | 'master';
  name_enc: Uint8Array;
  language: 'ru' | 'en';
  staff_user_id: string | null;
  created_by: string | null;
  last_message_id: Generated<number>;
  created_at: CreatedAt;
}

export interface SandboxMessagesTable {
  id: Generated<string>;
  persona_id: BigIntId;
  message_id: number | null;
  from_bot: boolean;
  body_enc: Uint8Array;
  file_enc: Uint8Array | null;
  edited_at: Timestamp | null;
  deleted_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface SandboxUpdatesTable {
  update_id: Generated<string>;
  persona_id: BigIntId;
  payload_enc: Uint8Array;
  created_at: CreatedAt;
}

/** A client import: its progress and report (line, field, code: never a cell's value). */
export interface ImportJobsTable {
  id: Generated<string>;
  staff_user_id: string;
  dry_run: boolean;
  state: Generated<'running' | 'done' | 'failed'>;
  rows: Generated<number>;
  created: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  failed: Generated<number>;
  /** jsonb: `{ errors, fatal }` of the import report; written as JSON text. */
  report: ColumnType<unknown, string | null | undefined, string | null>;
  error: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface Database {
  branches: BranchesTable;
  staff_users: StaffUsersTable;
  masters: MastersTable;
  services: ServicesTable;
  acquisition_sources: AcquisitionSourcesTable;
  clients: ClientsTable;
  client_consents: ClientConsentsTable;
  appointments: AppointmentsTable;
  visit_feedback: VisitFeedbackTable;
  loyalty_rules: LoyaltyRulesTable;
  coupons: CouponsTable;
  points_ledger: PointsLedgerTable;
  holidays: HolidaysTable;
  message_templates: MessageTemplatesTable;
  greeting_messages: GreetingMessagesTable;
  outbox: OutboxTable;
  processed_updates: ProcessedUpdatesTable;
  send_slots: SendSlotsTable;
  send_pause: SendPauseTable;
  chat_sends: ChatSendsTable;
  conversation_state: ConversationStateTable;
  job_runs: JobRunsTable;
  audit_log: AuditLogTable;
  admin_sessions: AdminSessionsTable;
  login_throttle: LoginThrottleTable;
  settings: SettingsTable;
  client_messages: ClientMessagesTable;
  referrals: ReferralsTable;
  loyalty_cards: LoyaltyCardsTable;
  staff_link_tokens: StaffLinkTokensTable;
  master_services: MasterServicesTable;
  working_hours: WorkingHoursTable;
  schedule_exceptions: ScheduleExceptionsTable;
  sandbox_personas: SandboxPersonasTable;
  sandbox_messages: SandboxMessagesTable;
  sandbox_updates: SandboxUpdatesTable;
  import_jobs: ImportJobsTable;
}

export type ClientRow = Selectable<ClientsTable>;
export type NewClientRow = Insertable<ClientsTable>;
export type ClientRowUpdate = Updateable<ClientsTable>;
export type StaffUserRow = Selectable<StaffUsersTable>;
export type AuditEntryRow = Selectable<AuditLogTable>;
