import { describe, expect, it } from 'vitest';
import { maskRows, maskSmallCell } from '../../src/domain/analytics/privacy.js';
import { quintileScore, rfmSegment } from '../../src/domain/analytics/rfm.js';

describe('RFM segments', () => {
  const seg = (recency: number, frequency: number, visits = 2) =>
    rfmSegment({ recency, frequency, monetary: 3 }, visits);

  it('names each corner of the grid at its boundaries', () => {
    expect(seg(4, 4)).toBe('champions');
    expect(seg(5, 5)).toBe('champions');
    expect(seg(3, 4)).toBe('loyal');
    expect(seg(4, 3)).toBe('loyal');
    expect(seg(3, 3)).toBe('loyal');
    expect(seg(5, 1, 1)).toBe('new');
    expect(seg(3, 2, 1)).toBe('new');
    expect(seg(3, 2, 2)).toBe('potential');
    expect(seg(4, 1, 3)).toBe('potential');
    expect(seg(2, 4)).toBe('cant-lose');
    expect(seg(1, 5)).toBe('cant-lose');
    expect(seg(2, 3)).toBe('at-risk');
    expect(seg(2, 2)).toBe('at-risk');
    expect(seg(2, 1, 1)).toBe('hibernating');
    expect(seg(1, 3)).toBe('hibernating');
    expect(seg(1, 1, 1)).toBe('lost');
  });

  it('scores percent ranks into quintiles, ties and edges included', () => {
    expect([0, 0.19, 0.2, 0.39, 0.4, 0.6, 0.79, 0.8, 1].map(quintileScore)).toEqual([
      1, 1, 2, 2, 3, 4, 4, 5, 5,
    ]);
    expect(quintileScore(Number.NaN)).toBe(1);
    expect(quintileScore(-1)).toBe(1);
  });
});

describe('small cells for analysts', () => {
  it('shows "<5" for a figure fewer than 5 clients made', () => {
    expect(maskSmallCell(12_000, 4)).toBe('<5');
    expect(maskSmallCell(3, 3)).toBe('<5');
    expect(maskSmallCell(1, 1)).toBe('<5');
    expect(maskSmallCell(12_000, 5)).toBe(12_000);
    expect(maskSmallCell(0, 0)).toBe(0);
  });

  it('treats a nonsense client count as too small', () => {
    expect(maskSmallCell(10, Number.NaN)).toBe('<5');
    expect(maskSmallCell(10, -2)).toBe('<5');
    expect(maskSmallCell(10, 0)).toBe('<5');
  });

  it('masks every number of a row by its client count and keeps its labels', () => {
    const rows = [
      { month: '2026-03', visits: 7, revenue: 9000, clients: 4 },
      { month: '2026-04', visits: 9, revenue: 12000, clients: 6 },
    ];
    expect(maskRows(rows, (r) => r.clients)).toEqual([
      { month: '2026-03', visits: '<5', revenue: '<5', clients: '<5' },
      { month: '2026-04', visits: 9, revenue: 12000, clients: 6 },
    ]);
  });
});
