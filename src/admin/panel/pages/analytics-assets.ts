import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ADMIN_ROOT } from '../paths.js';

/**
 * Apache ECharts for the analytics screens, served from node_modules as it is published (its
 * prebuilt, minified file): nothing is fetched from the internet, and AdminJS's component bundle
 * does not grow by a megabyte or rebuild for it. The chart component loads it when a chart is
 * first drawn.
 */
export const CHART_SCRIPT_PATH = `${ADMIN_ROOT}/static/echarts.min.js`;

const require = createRequire(import.meta.url);

function scriptFile(): { file: string; version: string } {
  // The package's exports name no dist file; its main entry lives in dist/.
  const main = require.resolve('echarts');
  const file = path.join(path.dirname(main), 'echarts.min.js');
  const { version } = require('echarts/package.json') as { version: string };
  return { file, version };
}

export function registerChartScript(scope: FastifyInstance): void {
  const { file, version } = scriptFile();
  let body: Promise<Buffer> | null = null;
  scope.get(CHART_SCRIPT_PATH, async (_request, reply) => {
    body ??= readFile(file);
    return reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'private, max-age=86400')
      .header('etag', `"echarts-${version}"`)
      .send(await body);
  });
}
