/** Timing helpers for the benchmarks: medians and 95th percentiles, never single runs. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)] ?? Number.NaN;
}

export async function timeEach(
  n: number,
  fn: (i: number) => Promise<unknown> | unknown,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

/**
 * A pure computation's cost per run, in batches of `batch` runs: wall time and the process's own
 * CPU time (user + system). On a machine others load, the wall time measures the scheduler too;
 * the CPU time is what the computation itself costs.
 */
export function timeBatches(
  batches: number,
  batch: number,
  fn: () => unknown,
): { wallMs: number[]; cpuMs: number[] } {
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let b = 0; b < batches; b++) {
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    wallMs.push(Number(process.hrtime.bigint() - t) / 1e6 / batch);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000 / batch);
  }
  return { wallMs, cpuMs };
}

/** A figure the bench reports; with a target, whether it holds. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The figure must be below (`<`) or at least (`>=`) this. */
  target?: { op: '<' | '>='; value: number };
  holds?: boolean;
  /** What else the line says (p95, the two sides of a ratio, run count). */
  detail?: string;
}

const figures: Figure[] = [];

/** Every figure reported so far, for `--json`. */
export function reported(): readonly Figure[] {
  return figures;
}

const fmt = (value: number, unit: string) =>
  `${value.toFixed(unit === 'µs' || unit === '×' || value < 10 ? 2 : 0)} ${unit}`;

/** Prints one line: the figure, its target and whether it holds; keeps it for `--json`. */
export function figure(f: Omit<Figure, 'holds'>): Figure {
  const holds =
    f.target === undefined
      ? undefined
      : f.target.op === '<'
        ? f.value < f.target.value
        : f.value >= f.target.value;
  const done: Figure = { ...f, ...(holds === undefined ? {} : { holds }) };
  figures.push(done);
  const target = f.target
    ? `  target ${f.target.op} ${fmt(f.target.value, f.unit)}: ${holds ? 'holds' : 'DOES NOT HOLD'}`
    : '';
  console.log(
    `${f.name.padEnd(58)} ${fmt(f.value, f.unit).padStart(11)}${f.detail ? `  (${f.detail})` : ''}${target}`,
  );
  return done;
}

/** Median and p95 of timings, as one figure whose target (if any) applies to the median. */
export function report(
  name: string,
  ms: number[],
  unit: 'ms' | 'µs' = 'ms',
  target?: Figure['target'],
): Figure {
  const k = unit === 'µs' ? 1000 : 1;
  return figure({
    name,
    value: median(ms) * k,
    unit,
    detail: `median; p95 ${fmt(p95(ms) * k, unit)}, n=${ms.length}`,
    ...(target ? { target } : {}),
  });
}
