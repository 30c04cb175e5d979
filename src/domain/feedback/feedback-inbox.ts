import { type SelectQueryBuilder, sql } from 'kysely';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordListRead } from '../audit/audit-log.js';
import type { Client } from '../clients/client-service.js';
import type { Db } from '../shared/transaction.js';
import { feedbackPlace } from '../visits/visit-feedback.js';

/**
 * The feedback inbox: clients' ratings of their visits (with their comments) and the messages
 * they send with /feedback, in one list, low scores and what nobody has dealt with first.
 */

export type FeedbackKind = 'rating' | 'message';
export const FEEDBACK_PAGE_SIZE = 50;
export const MAX_FEEDBACK_REPLY = 1000;

/** One item of the inbox, as the staff who may see clients read it. */
export interface FeedbackItem {
  kind: FeedbackKind;
  /** The visit's id for a rating, the message's id for a message. */
  id: string;
  score: number | null;
  text: string | null;
  clientId: string | null;
  clientName: string | null;
  createdAt: Date;
  handledAt: Date | null;
  handledBy: string | null;
  branchId: string | null;
  branchName: string | null;
  masterId: string | null;
  masterName: string | null;
  serviceName: string | null;
  visitAt: Date | null;
  /** Whether a reply can reach the client in Telegram now. */
  reachable: boolean;
}

export interface InboxFilter {
  branchId?: string | undefined;
  masterId?: string | undefined;
  score?: number | undefined;
  kind?: FeedbackKind | undefined;
  state?: 'open' | 'handled' | 'all' | undefined;
  offset?: number | undefined;
}

/**
 * What a role may see: a manager only their branch's ratings and the messages of clients of
 * that branch (or of no branch yet); null for the whole salon.
 */
export interface InboxScope {
  branchId: string | null;
}

export interface InboxPage {
  items: FeedbackItem[];
  total: number;
  offset: number;
  pageSize: number;
}

/** Decrypts the clients named on a page; the client service's batch read. */
export interface ClientReader {
  findManyById(ids: readonly string[]): Promise<Map<string, Client>>;
}

function messagePlace(id: string) {
  return { table: 'client_messages', column: 'body_enc', rowId: id };
}

type Row = {
  kind: FeedbackKind;
  id: string;
  score: number | null;
  enc: Uint8Array | null;
  client_id: string | null;
  created_at: Date;
  handled_at: Date | null;
  handled_by: string | null;
  branch_id: string | null;
  branch_name: string | null;
  master_id: string | null;
  master_name: string | null;
  service_name: string | null;
  visit_at: Date | null;
  chat: string | null;
};

/** Ratings within the scope, filtered; also how the commands find one item. */
export function ratings(db: Db, filter: InboxFilter, scope: InboxScope) {
  const branch = scope.branchId ?? filter.branchId;
  return db
    .selectFrom('visit_feedback as f')
    .innerJoin('appointments as a', 'a.id', 'f.appointment_id')
    .innerJoin('branches as b', 'b.id', 'a.branch_id')
    .innerJoin('masters as m', 'm.id', 'a.master_id')
    .innerJoin('services as s', 's.id', 'a.service_id')
    .leftJoin('clients as c', 'c.id', 'f.client_id')
    .leftJoin('staff_users as h', 'h.id', 'f.handled_by')
    .select([
      sql<FeedbackKind>`'rating'`.as('kind'),
      sql<string>`f.appointment_id::text`.as('id'),
      sql<number | null>`f.score`.as('score'),
      'f.comment_enc as enc',
      sql<string | null>`f.client_id::text`.as('client_id'),
      'f.created_at',
      'f.handled_at',
      'h.display_name as handled_by',
      sql<string | null>`a.branch_id::text`.as('branch_id'),
      sql<string | null>`b.name`.as('branch_name'),
      sql<string | null>`a.master_id::text`.as('master_id'),
      sql<string | null>`m.display_name`.as('master_name'),
      sql<string | null>`s.name`.as('service_name'),
      sql<Date | null>`a.starts_at`.as('visit_at'),
      sql<string | null>`case when c.erased_at is null and c.blocked_bot_at is null
        then c.telegram_user_id::text end`.as('chat'),
    ])
    .$if(branch !== undefined && branch !== null, (q) =>
      q.where('a.branch_id', '=', branch as string),
    )
    .$if(filter.masterId !== undefined, (q) => q.where('a.master_id', '=', filter.masterId ?? ''))
    .$if(filter.score !== undefined, (q) => q.where('f.score', '=', filter.score ?? 0));
}

/** `/feedback` messages within the scope, filtered; also how the commands find one item. */
export function messages(db: Db, filter: InboxFilter, scope: InboxScope) {
  return db
    .selectFrom('client_messages as msg')
    .leftJoin('clients as c', 'c.id', 'msg.client_id')
    .leftJoin('staff_users as h', 'h.id', 'msg.handled_by')
    .select([
      sql<FeedbackKind>`'message'`.as('kind'),
      sql<string>`msg.id::text`.as('id'),
      sql<number | null>`null::int`.as('score'),
      'msg.body_enc as enc',
      sql<string | null>`msg.client_id::text`.as('client_id'),
      'msg.created_at',
      'msg.handled_at',
      'h.display_name as handled_by',
      sql<string | null>`null::text`.as('branch_id'),
      sql<string | null>`null::text`.as('branch_name'),
      sql<string | null>`null::text`.as('master_id'),
      sql<string | null>`null::text`.as('master_name'),
      sql<string | null>`null::text`.as('service_name'),
      sql<Date | null>`null::timestamptz`.as('visit_at'),
      sql<
        string | null
      >`case when c.id is null or (c.erased_at is null and c.blocked_bot_at is null)
        then msg.telegram_user_id::text end`.as('chat'),
    ])
    .$if(filter.branchId !== undefined && scope.branchId === null, (q) =>
      q.where('c.home_branch_id', '=', filter.branchId ?? ''),
    )
    .$if(scope.branchId !== null, (q) =>
      q.where((eb) =>
        eb.or([
          eb('c.home_branch_id', '=', scope.branchId ?? ''),
          eb('c.home_branch_id', 'is', null),
        ]),
      ),
    );
}

/** Messages carry no master or score: a filter on either leaves them out. */
function inboxQuery(db: Db, filter: InboxFilter, scope: InboxScope) {
  const withRatings = filter.kind !== 'message';
  const withMessages =
    filter.kind !== 'rating' && filter.masterId === undefined && filter.score === undefined;
  const parts: SelectQueryBuilder<Database, never, Row>[] = [];
  if (withRatings) parts.push(ratings(db, filter, scope) as never);
  if (withMessages) parts.push(messages(db, filter, scope) as never);
  return parts;
}

function stateFilter(state: InboxFilter['state']) {
  if (state === 'open') return sql`i.handled_at is null`;
  if (state === 'handled') return sql`i.handled_at is not null`;
  return sql`true`;
}

/**
 * A page of the inbox for staff who may see clients: decrypted, the clients named, the read
 * audited (how many rows and which filters, never the values). Unhandled first, then the lowest
 * scores (messages after the scores), newest first.
 */
export async function feedbackInbox(
  db: Db,
  deps: { crypto: Crypto; clients: ClientReader },
  actor: Actor,
  filter: InboxFilter,
  scope: InboxScope,
): Promise<InboxPage> {
  const offset = Math.max(0, Math.trunc(filter.offset ?? 0));
  const parts = inboxQuery(db, filter, scope);
  if (parts.length === 0) return { items: [], total: 0, offset, pageSize: FEEDBACK_PAGE_SIZE };
  const [first, ...rest] = parts as [
    SelectQueryBuilder<Database, never, Row>,
    ...SelectQueryBuilder<Database, never, Row>[],
  ];
  const union = rest.reduce((q, part) => q.unionAll(part), first);
  const where = stateFilter(filter.state ?? 'all');
  const [rows, count] = await Promise.all([
    db
      .selectFrom(union.as('i'))
      .selectAll()
      .where(where as never)
      .orderBy(sql`i.handled_at is not null`)
      .orderBy(sql`i.score asc nulls last`)
      .orderBy('i.created_at', 'desc')
      .orderBy('i.id')
      .limit(FEEDBACK_PAGE_SIZE)
      .offset(offset)
      .execute(),
    db
      .selectFrom(union.as('i'))
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where(where as never)
      .executeTakeFirstOrThrow(),
  ]);
  const typed = rows as unknown as Row[];
  const ids = [...new Set(typed.flatMap((r) => (r.client_id ? [r.client_id] : [])))];
  const names = ids.length > 0 ? await deps.clients.findManyById(ids) : new Map<string, Client>();
  const items = typed.map((r): FeedbackItem => {
    const text =
      r.enc === null
        ? null
        : deps.crypto.decryptSystem(
            r.kind === 'rating' ? feedbackPlace(r.id) : messagePlace(r.id),
            r.enc,
          );
    return {
      kind: r.kind,
      id: r.id,
      score: r.score,
      text,
      clientId: r.client_id,
      clientName: r.client_id ? (names.get(r.client_id)?.name ?? null) : null,
      createdAt: r.created_at,
      handledAt: r.handled_at,
      handledBy: r.handled_by,
      branchId: r.branch_id,
      branchName: r.branch_name,
      masterId: r.master_id,
      masterName: r.master_name,
      serviceName: r.service_name,
      visitAt: r.visit_at,
      reachable: r.chat !== null,
    };
  });
  await recordListRead(db, actor, 'feedback', {
    rows: items.length,
    filters: Object.entries(filter)
      .filter(([key, value]) => value !== undefined && key !== 'offset')
      .map(([key]) => key),
    offset,
    limit: FEEDBACK_PAGE_SIZE,
  });
  return { items, total: Number(count.n), offset, pageSize: FEEDBACK_PAGE_SIZE };
}

export interface ScoreDistribution {
  /** Ratings per score, 1 to 5. */
  counts: { score: number; ratings: number }[];
  ratings: number;
  average: number | null;
  withComment: number;
  unhandledLow: number;
}

/** How many ratings of each score, for everyone who may see the inbox, analysts included. */
export async function scoreDistribution(
  db: Db,
  filter: Pick<InboxFilter, 'branchId' | 'masterId'>,
  scope: InboxScope,
  lowAtMost: number,
): Promise<ScoreDistribution> {
  const rows = await ratings(db, filter, scope)
    .clearSelect()
    .select([
      'f.score',
      (eb) => eb.fn.countAll<string>().as('n'),
      sql<string>`count(f.comment_enc)`.as('comments'),
      sql<string>`count(*) filter (where f.handled_at is null and f.score <= ${lowAtMost})`.as(
        'open_low',
      ),
    ])
    .groupBy('f.score')
    .execute();
  const counts = [1, 2, 3, 4, 5].map((score) => ({
    score,
    ratings: Number(rows.find((r) => r.score === score)?.n ?? 0),
  }));
  const total = counts.reduce((sum, c) => sum + c.ratings, 0);
  const weighted = counts.reduce((sum, c) => sum + c.score * c.ratings, 0);
  return {
    counts,
    ratings: total,
    average: total === 0 ? null : Math.round((weighted / total) * 100) / 100,
    withComment: rows.reduce((sum, r) => sum + Number(r.comments), 0),
    unhandledLow: rows.reduce((sum, r) => sum + Number(r.open_low), 0),
  };
}
