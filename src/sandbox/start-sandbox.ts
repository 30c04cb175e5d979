import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import type { StaffService } from '../domain/staff/staff-service.js';
import type { Logger } from '../logger.js';
import { type SandboxBotApi, startSandboxBotApi } from './bot-api-server.js';
import { SandboxChat } from './sandbox-chat.js';
import { SandboxEvents } from './sandbox-events.js';
import { registerSandboxRoutes, SANDBOX_API } from './sandbox-routes.js';

export interface Sandbox {
  api: SandboxBotApi;
  chat: SandboxChat;
  /** In-process wake-ups of the chats' long polls (tests await a poll's wait through them). */
  events: SandboxEvents;
  /** Where the chat's JSON API answers (the panel's sandbox page calls it). */
  chatApi: string;
  /** Adds the chat's JSON API and /sandbox to the panel's scope (its session and guards). */
  registerPages(scope: FastifyInstance): void;
  close(): Promise<void>;
}

/** The local Bot API and the web chat over it, sharing one set of wake-ups. */
export async function startSandbox(deps: {
  db: Kysely<Database>;
  crypto: Crypto;
  staff: StaffService;
  logger: Logger;
}): Promise<Sandbox> {
  const events = new SandboxEvents();
  const api = await startSandboxBotApi({ ...deps, events });
  const chat = new SandboxChat(deps.db, deps.crypto, deps.staff, events);
  return {
    api,
    chat,
    events,
    chatApi: SANDBOX_API,
    registerPages: (scope) => registerSandboxRoutes(scope, { chat, db: deps.db }),
    close: () => api.close(),
  };
}

/** The bot settings that point the unchanged bot and outbox at the sandbox's Bot API. */
export function sandboxBotConfig(api: SandboxBotApi): Config['bot'] {
  return {
    enabled: true,
    token: api.token,
    apiRoot: api.apiRoot,
    mode: 'polling',
    webhookSecret: undefined,
  };
}
