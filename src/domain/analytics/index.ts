/** The owner's analytics (A1–A4, campaigns): plain queries over the database handle. */
export { campaignFigures } from './campaigns.js';
export { churnCounts, churnList, churnRate, churnSettings } from './churn.js';
export {
  clientLtv,
  clientMix,
  clientSummary,
  cohorts,
  expectedLifetimeYears,
  ltvByGroup,
  rfmSegments,
} from './client-value.js';
export { masterFigures } from './masters.js';
export { checkFilters, MAX_PERIOD_DAYS } from './period.js';
export { MIN_CLIENTS_PER_CELL, maskRows, maskSmallCell } from './privacy.js';
export { RFM_SEGMENTS, rfmSegment } from './rfm.js';
export { seasonality, weekdayHour } from './seasonality.js';
export { clientReferralTree, sourceClients, sourceTree } from './sources.js';
export { analyticsFreshness, type Freshness, refreshAnalyticsSummary } from './summary.js';
export type * from './types.js';
