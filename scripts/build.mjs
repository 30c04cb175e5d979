/**
 * Compiles the TypeScript (.ts, .tsx) of src/ and db/ into dist/ (one JavaScript file per
 * source, the same tree, imports untouched) and copies every file of them beside it (bot locales,
 * the panel's component sources that AdminJS bundles), so that `npm start` runs plain
 * JavaScript: no transpiling at each start. Runs at `npm install` (prepare) and, when a source changed since, at `npm start`.
 *
 * The build goes to a new folder that replaces dist/ at the end, so a failed or interrupted build
 * never leaves half a dist/ behind.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
const SOURCES = ['src', 'db'];
const STAMP = '.build-stamp';

async function walk(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** What the build was made from: every source's path, size and time, and the compiler's setup. */
export async function sourceStamp() {
  const hash = createHash('sha256');
  hash.update(await readFile(path.join(ROOT, 'tsconfig.json')));
  hash.update(await readFile(fileURLToPath(import.meta.url)));
  for (const dir of SOURCES) {
    const files = (await walk(path.join(ROOT, dir))).sort();
    const stats = await Promise.all(files.map((f) => stat(f)));
    files.forEach((f, i) => {
      hash.update(`${path.relative(ROOT, f)}\0${stats[i].size}\0${stats[i].mtimeMs}\n`);
    });
  }
  return hash.digest('hex');
}

/** True when dist/ was built from the sources as they are now. */
export async function isCurrent() {
  const built = await readFile(path.join(DIST, STAMP), 'utf8').catch(() => '');
  return built !== '' && built === (await sourceStamp());
}

export async function build() {
  const started = performance.now();
  const { build: esbuild } = await import('esbuild');
  const stamp = await sourceStamp();
  const next = `${DIST}.${process.pid}.tmp`;
  await rm(next, { recursive: true, force: true });
  try {
    const files = (await Promise.all(SOURCES.map((d) => walk(path.join(ROOT, d))))).flat();
    const typescript = files.filter(
      (f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.tsx'),
    );
    await esbuild({
      entryPoints: typescript,
      outdir: next,
      outbase: ROOT,
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      tsconfig: path.join(ROOT, 'tsconfig.json'),
      logLevel: 'error',
    });
    // The sources stay beside their JavaScript, with their times: AdminJS bundles the panel's
    // components from their sources (and rebuilds the bundle only when one is newer than it).
    for (const file of files) {
      const to = path.join(next, path.relative(ROOT, file));
      await mkdir(path.dirname(to), { recursive: true });
      await cp(file, to, { preserveTimestamps: true });
    }
    await writeFile(path.join(next, 'package.json'), '{ "type": "module" }\n');
    await writeFile(path.join(next, STAMP), stamp);
    const old = `${DIST}.${process.pid}.old`;
    await rename(DIST, old).catch((err) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(next, DIST);
    await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(next, { recursive: true, force: true });
    throw err;
  }
  return performance.now() - started;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ms = await build();
  process.stdout.write(`clientele: compiled to dist/ in ${Math.round(ms)} ms\n`);
}
