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

export function report(name: string, ms: number[], unit: 'ms' | 'µs' = 'ms'): void {
  const k = unit === 'µs' ? 1000 : 1;
  console.log(
    `${name.padEnd(52)} median ${(median(ms) * k).toFixed(unit === 'µs' ? 1 : 2)} ${unit}  p95 ${(p95(ms) * k).toFixed(unit === 'µs' ? 1 : 2)} ${unit}  (n=${ms.length})`,
  );
}
