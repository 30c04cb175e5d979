/**
 * The shapes of the owner's analytics (A1–A4, campaigns): filters in, plain results out. No
 * result carries a name, phone or any other personal value — clients appear by id only, so the
 * panel decides (by role) whether to look a person up. Money is a number in the salon's currency.
 */
import type { Db } from '../shared/transaction.js';

/** Where figures come from: the refreshed summaries when they can answer ('auto'), or live. */
export type FigureSource = 'auto' | 'live' | 'summary';

/** Which period is shown beside the chosen one. */
export type Compare = 'previous' | 'last-year';

/**
 * Visits are placed in their branch's local calendar and clock (a 10:00 visit in Vladivostok is
 * at 10 however the salon's zone differs); `zone` is the calendar of client-level figures
 * (cohorts, churn months) and of registrations, referrals and campaign messages.
 */
export interface AnalyticsFilters {
  /** First day of the period, 'YYYY-MM-DD', in `zone`. */
  from: string;
  /** Last day of the period (inclusive), 'YYYY-MM-DD', in `zone`. */
  to: string;
  /** The period shown beside it; absent = none. */
  compare?: Compare;
  /** Only visits of this branch, and clients whose home branch it is. */
  branchId?: string;
  /** IANA time zone that months, weekdays and hours are counted in (the branch's or the salon's). */
  zone: string;
}

/** A period as resolved by the query: the chosen one and, if asked, its comparison. */
export interface ResolvedPeriod {
  from: string;
  to: string;
}

// ---- A1 seasonality ----------------------------------------------------------------------

export interface MonthFigures {
  /** 'YYYY-MM' in the filter's zone. */
  month: string;
  visits: number;
  revenue: number;
  clients: number;
}

export interface SeasonalitySeries {
  /** Category name, or service id for the per-service series. */
  key: string;
  /** Category name or service name (not personal). */
  label: string;
  months: MonthFigures[];
  /** The same months a year earlier, or the previous period, when `compare` is set. */
  compareMonths: MonthFigures[];
  /** Months ('YYYY-MM') with the most visits in the period (ties all listed). */
  peakMonths: string[];
}

export interface Seasonality {
  period: ResolvedPeriod;
  compare: ResolvedPeriod | null;
  byCategory: SeasonalitySeries[];
  byService: SeasonalitySeries[];
  /** All categories together, month by month. */
  total: SeasonalitySeries;
  /** Read from the monthly summaries refreshed at this time; null = computed live now. */
  freshAsOf: Date | null;
}

export interface WeekdayHourCell {
  /** ISO weekday 1 (Monday) … 7 (Sunday), local. */
  weekday: number;
  /** Local hour of the visit's start, 0–23. */
  hour: number;
  bookings: number;
  /** Distinct clients of the cell in its busiest month (never more than the period's). */
  clients: number;
}

// ---- A2 sources and referrals ------------------------------------------------------------

export interface SourceFigures {
  /** Clients who first came (registered) in the period through this node. */
  clients: number;
  /** Of them (and referred friends), first completed visits in the period. */
  firstVisits: number;
  /** Completed visits' revenue in the period from clients of this node. */
  revenue: number;
  /** Referrals qualified in the period whose referrer belongs to this node. */
  qualifiedReferrals: number;
  /** Friends brought (registered in the period) by clients of this node. */
  referredClients: number;
  /** Spend to date per client of the node (all time, not just the period). */
  ltv: number;
}

export interface SourceNode extends SourceFigures {
  /** acquisition_sources.id; null for the "no source" node. */
  id: string | null;
  name: string;
  /** 'channel' = a root source; 'sub-source' = below it; 'none' = clients with no source. */
  kind: 'channel' | 'sub-source' | 'none';
  /** Sub-sources; their figures are included in this node's. */
  children: SourceNode[];
}

export interface SourceClientRow {
  clientId: string;
  registeredAt: Date;
  firstVisitAt: Date | null;
  visits: number;
  revenue: number;
  /** Friends this client brought (all time), and how many of them qualified. */
  referred: number;
  qualifiedReferred: number;
}

export interface ReferralTreeNode {
  clientId: string;
  status: 'pending' | 'qualified' | null;
  registeredAt: Date;
  visits: number;
  revenue: number;
  children: ReferralTreeNode[];
}

/** One client's own tree: who brought them, whom they brought, and whom those brought. */
export interface ClientReferralTree {
  referrerId: string | null;
  client: ReferralTreeNode;
}

// ---- A3 client value ---------------------------------------------------------------------

export interface CohortRow {
  /** First completed visit's month, 'YYYY-MM'. */
  cohort: string;
  size: number;
  /** retained[k] = clients of the cohort with a completed visit k months after (k = 0 is 100%). */
  retained: number[];
}

export type ChurnState = 'active' | 'at-risk' | 'lost';

export interface ChurnSettings {
  /** At risk once this factor × the expected interval has passed without a visit. */
  atRiskFactor: number;
  /** Lost once this factor × the expected interval has passed. */
  lostFactor: number;
  /** Interval used when neither the client nor their service has a rhythm, days. */
  defaultCycleDays: number;
}

export interface ClientChurn {
  clientId: string;
  lastVisitAt: Date;
  visits: number;
  spend: number;
  /** Median days between the client's visits, else their last service's typical cycle. */
  expectedIntervalDays: number;
  intervalFrom: 'client' | 'service' | 'default';
  expectedReturnAt: Date;
  state: ChurnState;
}

export interface ChurnMonth {
  month: string;
  /** Clients active at the month's start. */
  activeAtStart: number;
  /** Of them, clients who became lost during the month. */
  lost: number;
  rate: number;
}

export interface ClientLtv {
  clientId: string;
  spendToDate: number;
  visits: number;
  avgTicket: number;
  /** Visits per year. */
  frequency: number;
  expectedLifetimeYears: number;
  expectedLtv: number;
}

export interface LtvGroup {
  key: string | null;
  label: string;
  clients: number;
  spendToDate: number;
  avgLtv: number;
  avgExpectedLtv: number;
}

export type RfmSegment =
  | 'champions'
  | 'loyal'
  | 'potential'
  | 'new'
  | 'at-risk'
  | 'cant-lose'
  | 'hibernating'
  | 'lost';

export interface RfmScores {
  recency: number;
  frequency: number;
  monetary: number;
}

export interface RfmSegmentRow {
  segment: RfmSegment;
  size: number;
  revenue: number;
  /** Member client ids (for roles that may see clients). */
  clientIds: string[];
}

export interface ClientMix {
  period: ResolvedPeriod;
  newClients: number;
  returningClients: number;
  visits: number;
  visitsPerClient: number;
  revenue: number;
  avgTicket: number;
}

/** What the client card shows about the client's value. */
export interface ClientSummary {
  clientId: string;
  spend: number;
  visits: number;
  avgTicket: number;
  lastVisitAt: Date | null;
  expectedReturnAt: Date | null;
  churnState: ChurnState | null;
  segment: RfmSegment | null;
  sourceId: string | null;
  sourceName: string | null;
  referrerId: string | null;
}

// ---- A4 masters --------------------------------------------------------------------------

export interface MasterFigures {
  masterId: string;
  name: string;
  branchId: string;
  visits: number;
  revenue: number;
  avgTicket: number;
  ratings: number;
  avgRating: number | null;
  /** Count of scores 1..5 at index 0..4. */
  ratingDistribution: [number, number, number, number, number];
  noShows: number;
  noShowRate: number;
  bookedMinutes: number;
  workingMinutes: number;
  utilisation: number;
  /** Completed visits followed by another booking with the same master within 60 days. */
  rebookingRate: number;
  newClients: number;
}

// ---- campaigns ---------------------------------------------------------------------------

export type CampaignKind = 'birthday' | 'holiday' | 'winback' | 'manual';

export interface CampaignFigures {
  kind: CampaignKind;
  sent: number;
  delivered: number;
  redeemed: number;
  /** Clients with a completed (or active) visit booked within 60 days after the message. */
  cameBack: number;
  /** Completed visits' revenue of those returns within 60 days. */
  revenue: number;
}

// ---- privacy -----------------------------------------------------------------------------

/** A count or sum shown to an analyst: the number, or "<5" when fewer than 5 clients made it. */
export type MaskedCell = number | '<5';

// ---- the functions, as the panel calls them ----------------------------------------------

export type SeasonalityQuery = (db: Db, filters: AnalyticsFilters) => Promise<Seasonality>;
export type WeekdayHourQuery = (db: Db, filters: AnalyticsFilters) => Promise<WeekdayHourCell[]>;
export type SourceTreeQuery = (db: Db, filters: AnalyticsFilters) => Promise<SourceNode[]>;
export type SourceClientsQuery = (
  db: Db,
  filters: AnalyticsFilters,
  sourceId: string | null,
  page?: { limit: number; offset: number },
) => Promise<SourceClientRow[]>;
export type ClientReferralTreeQuery = (db: Db, clientId: string) => Promise<ClientReferralTree>;
export type CohortQuery = (db: Db, filters: AnalyticsFilters) => Promise<CohortRow[]>;
export type ChurnListQuery = (
  db: Db,
  now: Date,
  options?: { branchId?: string; states?: ChurnState[]; limit?: number },
) => Promise<ClientChurn[]>;
export type ChurnRateQuery = (
  db: Db,
  filters: AnalyticsFilters,
  now: Date,
) => Promise<ChurnMonth[]>;
export type RfmQuery = (
  db: Db,
  now: Date,
  options?: { branchId?: string },
) => Promise<RfmSegmentRow[]>;
export type ClientMixQuery = (db: Db, filters: AnalyticsFilters) => Promise<ClientMix>;
export type ClientSummaryQuery = (db: Db, clientId: string, now: Date) => Promise<ClientSummary>;
export type MastersQuery = (db: Db, filters: AnalyticsFilters) => Promise<MasterFigures[]>;
export type CampaignsQuery = (db: Db, filters: AnalyticsFilters) => Promise<CampaignFigures[]>;
