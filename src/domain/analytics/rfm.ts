import type { RfmScores, RfmSegment } from './types.js';

/** The segments in the order the panel lists them, best first. */
export const RFM_SEGMENTS: readonly RfmSegment[] = [
  'champions',
  'loyal',
  'potential',
  'new',
  'at-risk',
  'cant-lose',
  'hibernating',
  'lost',
];

/**
 * A client's named segment from their recency and frequency scores (1–5, quintiles of the 12
 * months' clients) and their visit count in those months:
 * - recent (R ≥ 3): champions (R ≥ 4, F ≥ 4), loyal (F ≥ 3), new (one visit), else potential;
 * - lapsing (R ≤ 2): can't lose them (F ≥ 4), at risk (R = 2, F ≥ 2), hibernating (R = 2 with
 *   one visit, or R = 1 with several), lost (R = 1, a single visit).
 * Monetary is reported beside the segment, not used to name it.
 */
export function rfmSegment(scores: RfmScores, visits: number): RfmSegment {
  const { recency: r, frequency: f } = scores;
  if (r >= 3) {
    if (r >= 4 && f >= 4) return 'champions';
    if (f >= 3) return 'loyal';
    return visits <= 1 ? 'new' : 'potential';
  }
  if (f >= 4) return 'cant-lose';
  if (r === 2) return f >= 2 ? 'at-risk' : 'hibernating';
  return visits >= 2 ? 'hibernating' : 'lost';
}

/** A 1–5 score from a percent rank in [0, 1] (ties share a rank, so equal values score alike). */
export function quintileScore(percentRank: number): number {
  if (!Number.isFinite(percentRank) || percentRank <= 0) return 1;
  return Math.min(5, 1 + Math.floor(percentRank * 5));
}
