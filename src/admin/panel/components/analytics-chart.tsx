import { Box, H5, Table, TableBody, TableCell, TableHead, TableRow } from '@adminjs/design-system';
import type { EChartsOption } from 'echarts';
import React, { useEffect, useRef, useState } from 'react';

/**
 * Apache ECharts in the panel: the library is the published prebuilt file, served by the panel
 * (pages/analytics-assets.ts) and loaded once when the first chart is drawn, so AdminJS's bundle
 * stays small and nothing comes from the internet. Every chart has its table under it: the table
 * is what a screen reader, a print-out and the tests read.
 */
const SCRIPT = '/admin/static/echarts.min.js';

interface EChartsInstance {
  setOption(option: EChartsOption, notMerge?: boolean): void;
  resize(): void;
  dispose(): void;
  on(event: 'click', handler: (params: { data?: unknown; name?: string }) => void): void;
}
interface EChartsGlobal {
  init(
    el: HTMLElement,
    theme?: string | null,
    opts?: { renderer?: 'canvas' | 'svg' },
  ): EChartsInstance;
}

let loading: Promise<EChartsGlobal> | null = null;

function loadECharts(): Promise<EChartsGlobal> {
  const w = window as unknown as { echarts?: EChartsGlobal };
  if (w.echarts) return Promise.resolve(w.echarts);
  loading ??= new Promise<EChartsGlobal>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = SCRIPT;
    script.async = true;
    script.onload = () => (w.echarts ? resolve(w.echarts) : reject(new Error('no echarts')));
    script.onerror = () => {
      loading = null;
      reject(new Error('echarts did not load'));
    };
    document.head.appendChild(script);
  });
  return loading;
}

export interface ChartProps {
  /** Names the chart for tests and print (`data-chart`). */
  id: string;
  option: EChartsOption;
  height?: number;
  /** Called with the clicked item's data (a drill-down). */
  onClick?: (data: unknown) => void;
}

/**
 * One chart. SVG rendering: sharp in print and readable by tests (the drawn marks are elements).
 */
export const Chart: React.FC<ChartProps> = ({ id, option, height = 320, onClick }) => {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsInstance | null>(null);
  const [state, setState] = useState<'loading' | 'drawn' | 'failed'>('loading');
  const clickRef = useRef(onClick);
  clickRef.current = onClick;
  const optionRef = useRef(option);
  optionRef.current = option;

  useEffect(() => {
    let gone = false;
    loadECharts().then(
      (echarts) => {
        if (gone || !el.current) return;
        chart.current = echarts.init(el.current, null, { renderer: 'svg' });
        chart.current.on('click', (p) => clickRef.current?.(p.data));
        chart.current.setOption(optionRef.current, true);
        setState('drawn');
      },
      () => !gone && setState('failed'),
    );
    const resize = () => chart.current?.resize();
    window.addEventListener('resize', resize);
    return () => {
      gone = true;
      window.removeEventListener('resize', resize);
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  // The chart is created once (above); a new option redraws it.
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);

  return (
    <div
      ref={el}
      className="analytics-chart"
      data-chart={id}
      data-state={state}
      style={{ width: '100%', height }}
    />
  );
};

export interface TableColumn {
  key: string;
  label: string;
  numeric?: boolean;
}

/** The table under a chart: the same figures, one row each. */
export const FigureTable: React.FC<{
  id: string;
  columns: TableColumn[];
  rows: Record<string, string | number | null>[];
  empty: string;
}> = ({ id, columns, rows, empty }) => (
  <Table data-table={id}>
    <TableHead>
      <TableRow>
        {columns.map((c) => (
          <TableCell key={c.key} style={c.numeric ? { textAlign: 'right' } : {}}>
            {c.label}
          </TableCell>
        ))}
      </TableRow>
    </TableHead>
    <TableBody>
      {rows.length === 0 && (
        <TableRow>
          <TableCell colSpan={columns.length}>{empty}</TableCell>
        </TableRow>
      )}
      {rows.map((row, i) => (
        <TableRow key={String(row.key ?? i)} data-row={String(row.key ?? i)}>
          {columns.map((c) => (
            <TableCell
              key={c.key}
              data-cell={c.key}
              style={c.numeric ? { textAlign: 'right' } : {}}
            >
              {row[c.key] === null || row[c.key] === undefined ? '—' : String(row[c.key])}
            </TableCell>
          ))}
        </TableRow>
      ))}
    </TableBody>
  </Table>
);

/** A chart with its title and table: one printed page each. */
export const ChartBlock: React.FC<{ title: string; children: React.ReactNode; id: string }> = ({
  title,
  children,
  id,
}) => (
  <Box variant="card" className="chart-block" data-block={id} mb="xl">
    <H5 mb="default">{title}</H5>
    {children}
  </Box>
);

/**
 * The print view: only the page's heading (salon and period), its charts and tables, one chart
 * per printed page.
 */
export const PrintStyle: React.FC = () => (
  <style>{`
.print-only { display: none; }
@media print {
  [data-css="sidebar"], [data-css="topbar"], nav, .no-print { display: none !important; }
  .print-only { display: block; }
  .chart-block { break-after: page; page-break-after: always; box-shadow: none !important; }
  .chart-block:last-child { break-after: auto; page-break-after: auto; }
  .analytics-chart { width: 17cm !important; }
}
`}</style>
);
