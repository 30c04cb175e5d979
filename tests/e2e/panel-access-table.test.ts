import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANEL_ROUTES } from '../../src/admin/panel/access.js';
import { buildServer } from '../../src/admin/web/server.js';
import { SandboxChat } from '../../src/sandbox/sandbox-chat.js';
import { SandboxEvents } from '../../src/sandbox/sandbox-events.js';
import { registerSandboxRoutes, SANDBOX_API } from '../../src/sandbox/sandbox-routes.js';
import { PanelHarness } from './panel-harness.js';

describe('panel access table: no rule for a route that does not exist', () => {
  const h = new PanelHarness();
  let app: FastifyInstance;

  beforeAll(async () => {
    await h.setUp();
    // Built as without BOT_TOKEN, with the sandbox's pages, so every route the panel can have
    // is registered.
    const chat = new SandboxChat(h.t.db, h.crypto, h.staff, new SandboxEvents());
    app = await buildServer({
      ...h.serverDeps,
      sandbox: {
        chatApi: SANDBOX_API,
        registerPages: (scope) => registerSandboxRoutes(scope, { chat, db: h.t.db }),
      },
    });
    await app.ready();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await h.tearDown();
  });

  it('every route the table names is registered (a stale rule fails here)', () => {
    const stale = PANEL_ROUTES.filter(
      (route) => !app.hasRoute({ method: route.method as 'GET', url: route.url }),
    ).map((route) => `${route.method} ${route.url}`);
    expect(stale).toEqual([]);
    expect(PANEL_ROUTES.length).toBeGreaterThan(10);
  });
});
