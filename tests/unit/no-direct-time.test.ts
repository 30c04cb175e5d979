import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCANNED = ['src/domain', 'src/jobs'];
/** The one module allowed to read the machine's time. */
const CLOCK_MODULE = 'src/domain/shared/clock.ts';
/**
 * Files that still read the time directly, waiting for their area's change (issue #14, point 5)
 * to take the clock. This list only shrinks: a listed file that no longer reads the time fails
 * the test until it is struck off.
 */
const PENDING = new Set<string>([]);

/** `new Date()` with no argument, or `Date.now()`, outside comments. */
const DIRECT_TIME = /\bnew Date\(\s*\)|\bDate\.now\(\s*\)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.tsx?$/.test(entry.name) ? [relative] : [];
  });
}

function directTimeLines(file: string): string[] {
  return readFileSync(path.join(ROOT, file), 'utf8')
    .split('\n')
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => !line.startsWith('//') && !line.startsWith('*'))
    .filter(({ line }) => DIRECT_TIME.test(line.replace(/\/\/.*$/, '')))
    .map(({ line, number }) => `${file}:${number}: ${line}`);
}

describe('the clock is the only source of time in the domain and the jobs', () => {
  const files = SCANNED.flatMap(sourceFiles).filter((f) => f !== CLOCK_MODULE);

  it('scans the real tree', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files).toContain('src/jobs/start-jobs.ts');
  });

  it('finds new Date() and Date.now() outside the clock module only in pending files', () => {
    const offending = files.filter((f) => !PENDING.has(f)).flatMap(directTimeLines);
    expect(offending, 'take the time from the injected Clock (src/domain/shared/clock.ts)').toEqual(
      [],
    );
  });

  it('lists as pending only files that still read the time directly', () => {
    const clean = [...PENDING].filter((f) => {
      try {
        return directTimeLines(f).length === 0;
      } catch {
        return true; // moved or deleted: strike it off too
      }
    });
    expect(clean, 'strike these off PENDING in tests/unit/no-direct-time.test.ts').toEqual([]);
  });

  it('recognises the forms it forbids and lets dated values through', () => {
    expect(DIRECT_TIME.test('const now = new Date();')).toBe(true);
    expect(DIRECT_TIME.test('now = new Date( ),')).toBe(true);
    expect(DIRECT_TIME.test('const t = Date.now();')).toBe(true);
    expect(DIRECT_TIME.test('new Date(now.getTime() - 1000)')).toBe(false);
    expect(DIRECT_TIME.test("new Date('2026-12-01')")).toBe(false);
  });
});
