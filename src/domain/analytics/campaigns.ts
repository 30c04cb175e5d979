import { sql } from 'kysely';
import type { Db } from '../shared/transaction.js';
import { checkFilters, int, money } from './period.js';
import { realClient } from './sql-parts.js';
import type { AnalyticsFilters, CampaignFigures, CampaignKind } from './types.js';

/** A client "came back" when they booked within this many days of the message. */
export const RETURN_DAYS = 60;

const KINDS: readonly CampaignKind[] = ['birthday', 'holiday', 'winback', 'manual'];

/**
 * Campaign results for messages sent (manual coupons: issued) in the period. Sent = greeting
 * messages; delivered = their outbox message went out; redeemed = the coupon sent with them
 * was used; came back = the client booked a visit (not cancelled) within 60 days after; revenue
 * = completed visits that started within those 60 days. Manual coupons are handed over in the
 * salon, so each issued one counts as sent and delivered. Branch: the client's home branch.
 * The one query behind every campaign figure in the panel (win-back included).
 */
export async function campaignFigures(
  db: Db,
  filters: AnalyticsFilters,
): Promise<CampaignFigures[]> {
  const f = checkFilters(filters);
  return campaignRows(db, { start: f.period.start, end: f.period.end, branchId: f.branchId });
}

/** All campaigns since the salon began, up to and including `until` (running totals). */
export function campaignTotals(db: Db, until: Date): Promise<CampaignFigures[]> {
  return campaignRows(db, {
    start: new Date(0),
    end: new Date(until.getTime() + 1),
    branchId: null,
  });
}

async function campaignRows(
  db: Db,
  f: { start: Date; end: Date; branchId: string | null },
): Promise<CampaignFigures[]> {
  const branch =
    f.branchId === null
      ? sql`true`
      : sql`EXISTS (SELECT 1 FROM clients hc WHERE hc.id = s.client_id AND hc.home_branch_id = ${f.branchId}::uuid)`;
  const { rows } = await sql<{
    kind: CampaignKind;
    sent: string;
    delivered: string;
    redeemed: string;
    back: string;
    revenue: string | null;
  }>`
    WITH s AS (
      SELECT CASE WHEN m.greeting LIKE 'holiday:%' THEN 'holiday' ELSE m.greeting END AS kind,
        m.client_id, m.sent_at, m.coupon_id,
        EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key =
          'greeting:' || m.greeting || ':' || m.occurrence || ':' || m.client_id::text
          AND o.status = 'sent') AS delivered
      FROM greeting_messages m
      WHERE m.sent_at >= ${f.start} AND m.sent_at < ${f.end}
        AND (m.greeting IN ('birthday', 'winback') OR m.greeting LIKE 'holiday:%')
      UNION ALL
      SELECT 'manual', c.client_id, c.created_at, c.id, true
      FROM coupons c
      WHERE c.kind = 'manual' AND c.client_id IS NOT NULL
        AND c.created_at >= ${f.start} AND c.created_at < ${f.end}
    )
    SELECT s.kind, count(*) AS sent, count(*) FILTER (WHERE s.delivered) AS delivered,
      count(*) FILTER (WHERE EXISTS (
        SELECT 1 FROM coupons cp WHERE cp.id = s.coupon_id AND cp.redeemed_at IS NOT NULL)) AS redeemed,
      count(*) FILTER (WHERE EXISTS (
        SELECT 1 FROM appointments a WHERE a.client_id = s.client_id
          AND a.status IN ('booked', 'confirmed', 'done')
          AND a.created_at > s.sent_at
          AND a.created_at <= s.sent_at + make_interval(days => ${RETURN_DAYS}))) AS back,
      sum((SELECT sum(a.amount_paid) FROM appointments a WHERE a.client_id = s.client_id
          AND a.status = 'done' AND a.starts_at > s.sent_at
          AND a.starts_at <= s.sent_at + make_interval(days => ${RETURN_DAYS}))) AS revenue
    FROM s WHERE ${realClient(sql`s.client_id`)} AND ${branch}
    GROUP BY s.kind`.execute(db);
  return KINDS.map((kind) => {
    const r = rows.find((x) => x.kind === kind);
    return {
      kind,
      sent: int(r?.sent),
      delivered: int(r?.delivered),
      redeemed: int(r?.redeemed),
      cameBack: int(r?.back),
      revenue: money(r?.revenue),
    };
  });
}
