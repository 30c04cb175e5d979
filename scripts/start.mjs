/**
 * `npm start`: runs the compiled JavaScript in dist/, compiling first when a source is newer than
 * the last build (a fresh clone whose `npm install` ran no scripts, or an edited checkout). When
 * dist/ cannot be written (a checkout owned by another user), the sources run through tsx, as
 * before: slower to start, the same program.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, DIST, isCurrent } from './build.mjs';

let compiled = await isCurrent().catch(() => false);
if (!compiled) {
  try {
    const ms = await build();
    process.stderr.write(`clientele: compiled to dist/ in ${Math.round(ms)} ms\n`);
    compiled = true;
  } catch (err) {
    process.stderr.write(
      `clientele: could not compile to dist/ (${err instanceof Error ? err.message : String(err)}); running the TypeScript sources through tsx\n`,
    );
  }
}
if (compiled) {
  await import(pathToFileURL(path.join(DIST, 'src', 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(DIST, '..', 'src', 'main.ts')).href);
}
