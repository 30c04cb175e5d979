import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type AdminJS, AppController } from 'adminjs';
import { COMPONENT_SOURCES } from './loader.js';

/**
 * Makes sure the components bundle is there and current before the panel answers.
 * - ADMIN_JS_SKIP_BUNDLE=true: a prebuilt bundle is served (`npm run build:admin`, Docker).
 * - NODE_ENV=production: AdminJS bundles at initialize() itself.
 * - Otherwise (npm start, tests): AdminJS would bundle lazily on the first request and then
 *   serve that file forever, even after a component changed; so a bundle older than any
 *   component source is removed and the bundle is built once, here.
 * Returns how long bundling took, or undefined when nothing was built.
 */
export async function prepareComponentBundle(admin: AdminJS): Promise<number | undefined> {
  if (process.env.ADMIN_JS_SKIP_BUNDLE === 'true' || process.env.NODE_ENV === 'production')
    return undefined;
  const output = path.join(process.env.ADMIN_JS_TMP_DIR || '.adminjs', 'bundle.js');
  const built = (await stat(output).catch(() => null))?.mtimeMs ?? 0;
  const sources = await Promise.all(COMPONENT_SOURCES.map((f) => stat(f)));
  if (built > 0 && sources.every((s) => s.mtimeMs <= built)) return undefined;
  await rm(output, { force: true });
  const started = Date.now();
  await new AppController({ admin }, undefined).bundleComponents();
  return Date.now() - started;
}
