import { sql } from 'kysely';
import { NotFoundError } from '../errors.js';
import type { Db } from '../shared/transaction.js';
import { type CheckedFilters, checkFilters, int, money } from './period.js';
import { ofBranch } from './sql-parts.js';
import type {
  AnalyticsFilters,
  ClientReferralTree,
  ReferralTreeNode,
  SourceClientRow,
  SourceFigures,
  SourceNode,
} from './types.js';

/** Referral chains deeper than this are cut (a loop cannot form, but a chain could be long). */
const MAX_CHAIN = 30;

/**
 * Each living, real client's acquisition source: their own, or else (brought by a friend) the
 * source of whoever started their referral chain. `depth` 0 = came through the source itself.
 */
export const attribution = (f: Pick<CheckedFilters, 'branchId'>) => sql`
  attr AS (
    WITH RECURSIVE chain AS (
      SELECT c.id, c.source_id AS src, 0 AS depth FROM clients c
      WHERE c.source_id IS NOT NULL OR c.referrer_id IS NULL
      UNION ALL
      SELECT c.id, chain.src, chain.depth + 1 FROM clients c JOIN chain ON c.referrer_id = chain.id
      WHERE c.source_id IS NULL AND chain.depth < ${MAX_CHAIN}
    )
    SELECT chain.id, chain.src, chain.depth, c.created_at FROM chain JOIN clients c ON c.id = chain.id
    WHERE c.erased_at IS NULL AND NOT c.sandbox AND ${ofBranch(sql`c.home_branch_id`, f.branchId)}
  )`;

interface Figures extends SourceFigures {
  /** All-time clients and spend, from which LTV rolls up. */
  allClients: number;
  allSpend: number;
}

const emptyFigures = (): Figures => ({
  clients: 0,
  firstVisits: 0,
  revenue: 0,
  qualifiedReferrals: 0,
  referredClients: 0,
  ltv: 0,
  allClients: 0,
  allSpend: 0,
});

/**
 * A2: the acquisition sources as a tree (channel → sub-sources), each node with its clients
 * (those who came through it or were brought, along a referral chain, by someone who did),
 * registered in the period; their first completed visits and revenue in the period; referrals
 * their clients made and got qualified in the period; and LTV (spend to date per client).
 * A parent's figures include its children's. Clients with no source are one "none" node.
 */
export async function sourceTree(db: Db, filters: AnalyticsFilters): Promise<SourceNode[]> {
  const f = checkFilters(filters);
  const { start, end } = f.period;
  const { rows } = await sql<{
    src: string | null;
    clients: string;
    first_visits: string;
    revenue: string | null;
    qualified: string;
    referred: string;
    all_clients: string;
    all_spend: string | null;
  }>`
    WITH ${attribution(f)},
    spend AS (
      SELECT a.client_id, min(a.starts_at) AS first_at, sum(a.amount_paid) AS total,
        sum(a.amount_paid) FILTER (WHERE a.starts_at >= ${start} AND a.starts_at < ${end}) AS in_period
      FROM appointments a WHERE a.status = 'done' AND a.client_id IS NOT NULL GROUP BY a.client_id
    ),
    refs AS (
      SELECT r.referrer_id,
        count(*) FILTER (WHERE r.created_at >= ${start} AND r.created_at < ${end}) AS referred,
        count(*) FILTER (WHERE r.status = 'qualified' AND r.qualified_at >= ${start} AND r.qualified_at < ${end}) AS qualified
      FROM referrals r GROUP BY r.referrer_id
    )
    SELECT attr.src,
      count(*) FILTER (WHERE attr.created_at >= ${start} AND attr.created_at < ${end}) AS clients,
      count(*) FILTER (WHERE spend.first_at >= ${start} AND spend.first_at < ${end}) AS first_visits,
      sum(spend.in_period) AS revenue,
      COALESCE(sum(refs.qualified), 0) AS qualified, COALESCE(sum(refs.referred), 0) AS referred,
      count(*) AS all_clients, sum(spend.total) AS all_spend
    FROM attr LEFT JOIN spend ON spend.client_id = attr.id
      LEFT JOIN refs ON refs.referrer_id = attr.id
    GROUP BY attr.src`.execute(db);
  const sources = await db
    .selectFrom('acquisition_sources')
    .select(['id', 'parent_id', 'name'])
    .orderBy('name')
    .execute();
  const own = new Map<string | null, Figures>();
  for (const r of rows) {
    own.set(r.src, {
      clients: int(r.clients),
      firstVisits: int(r.first_visits),
      revenue: Number(r.revenue ?? 0),
      qualifiedReferrals: int(r.qualified),
      referredClients: int(r.referred),
      ltv: 0,
      allClients: int(r.all_clients),
      allSpend: Number(r.all_spend ?? 0),
    });
  }
  const build = (
    id: string | null,
    name: string,
    kind: SourceNode['kind'],
    seen: Set<string>,
  ): SourceNode => {
    const children =
      id === null
        ? []
        : sources
            .filter((s) => s.parent_id === id && !seen.has(s.id))
            .map((s) => build(s.id, s.name, 'sub-source', new Set([...seen, s.id])));
    const sum = { ...(own.get(id) ?? emptyFigures()) };
    for (const c of children) {
      const cf = c as SourceNode & Partial<Figures>;
      sum.clients += c.clients;
      sum.firstVisits += c.firstVisits;
      sum.revenue += c.revenue;
      sum.qualifiedReferrals += c.qualifiedReferrals;
      sum.referredClients += c.referredClients;
      sum.allClients += cf.allClients ?? 0;
      sum.allSpend += cf.allSpend ?? 0;
    }
    const node = {
      id,
      name,
      kind,
      children,
      clients: sum.clients,
      firstVisits: sum.firstVisits,
      revenue: money(sum.revenue),
      qualifiedReferrals: sum.qualifiedReferrals,
      referredClients: sum.referredClients,
      ltv: sum.allClients ? money(sum.allSpend / sum.allClients) : 0,
    };
    // The all-time totals ride along, hidden from JSON, so parents can roll LTV up exactly.
    Object.defineProperties(node, {
      allClients: { value: sum.allClients, enumerable: false },
      allSpend: { value: sum.allSpend, enumerable: false },
    });
    return node;
  };
  const roots = sources
    .filter((s) => s.parent_id === null)
    .map((s) => build(s.id, s.name, 'channel', new Set([s.id])));
  if (own.has(null)) roots.push(build(null, '', 'none', new Set()));
  return roots;
}

const MAX_PAGE = 500;

/**
 * Drill-down of one source node (null = no source): the clients who came through it directly,
 * registered in the period, biggest spenders first, with the friends they brought.
 */
export async function sourceClients(
  db: Db,
  filters: AnalyticsFilters,
  sourceId: string | null,
  page: { limit: number; offset: number } = { limit: 50, offset: 0 },
): Promise<SourceClientRow[]> {
  const f = checkFilters(filters);
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(page.limit)));
  const offset = Math.max(0, Math.floor(page.offset));
  const { rows } = await sql<{
    id: string;
    created_at: Date;
    first_at: Date | null;
    visits: string;
    revenue: string | null;
    referred: string;
    qualified: string;
  }>`
    SELECT c.id, c.created_at, v.first_at, COALESCE(v.visits, 0) AS visits, v.revenue,
      (SELECT count(*) FROM referrals r WHERE r.referrer_id = c.id) AS referred,
      (SELECT count(*) FROM referrals r WHERE r.referrer_id = c.id AND r.status = 'qualified') AS qualified
    FROM clients c
    LEFT JOIN LATERAL (
      SELECT min(a.starts_at) AS first_at, count(*) AS visits, sum(a.amount_paid) AS revenue
      FROM appointments a WHERE a.client_id = c.id AND a.status = 'done') v ON true
    WHERE c.erased_at IS NULL AND NOT c.sandbox
      AND ${sourceId === null ? sql`c.source_id IS NULL AND c.referrer_id IS NULL` : sql`c.source_id = ${sourceId}::uuid`}
      AND c.created_at >= ${f.period.start} AND c.created_at < ${f.period.end}
      AND ${ofBranch(sql`c.home_branch_id`, f.branchId)}
    ORDER BY v.revenue DESC NULLS LAST, c.created_at, c.id
    LIMIT ${limit} OFFSET ${offset}`.execute(db);
  return rows.map((r) => ({
    clientId: r.id,
    registeredAt: r.created_at,
    firstVisitAt: r.first_at,
    visits: int(r.visits),
    revenue: money(r.revenue),
    referred: int(r.referred),
    qualifiedReferred: int(r.qualified),
  }));
}

/** A client's own tree for the card: who brought them, whom they brought, and whom those brought. */
export async function clientReferralTree(db: Db, clientId: string): Promise<ClientReferralTree> {
  const { rows } = await sql<{
    id: string;
    referrer_id: string | null;
    level: number;
    status: 'pending' | 'qualified' | null;
    created_at: Date;
    visits: string;
    revenue: string | null;
  }>`
    WITH RECURSIVE down AS (
      SELECT c.id, c.referrer_id, 0 AS level FROM clients c
      WHERE c.id = ${clientId}::uuid AND c.erased_at IS NULL
      UNION ALL
      SELECT c.id, c.referrer_id, down.level + 1 FROM clients c JOIN down ON c.referrer_id = down.id
      WHERE down.level < 2 AND c.erased_at IS NULL AND NOT c.sandbox
    )
    SELECT down.id, down.referrer_id, down.level, r.status, c.created_at,
      (SELECT count(*) FROM appointments a WHERE a.client_id = down.id AND a.status = 'done') AS visits,
      (SELECT sum(a.amount_paid) FROM appointments a WHERE a.client_id = down.id AND a.status = 'done') AS revenue
    FROM down JOIN clients c ON c.id = down.id LEFT JOIN referrals r ON r.referred_id = down.id
    ORDER BY down.level, c.created_at, down.id`.execute(db);
  const root = rows.find((r) => r.level === 0);
  if (!root) throw new NotFoundError('client');
  const node = (r: (typeof rows)[number]): ReferralTreeNode => ({
    clientId: r.id,
    status: r.status,
    registeredAt: r.created_at,
    visits: int(r.visits),
    revenue: money(r.revenue),
    children: rows.filter((x) => x.referrer_id === r.id && x.level === r.level + 1).map(node),
  });
  return { referrerId: root.referrer_id, client: node(root) };
}
