import type { AdminPage } from 'adminjs';
import type { Actor } from '../../../domain/actor.js';
import { canOpenPage, isPanelUser, type PanelPage, type PanelUser } from '../access.js';

/**
 * What AdminJS hands a page handler (@adminjs/fastify): the method in lower case, the body as
 * `payload`, the query; the response is Fastify's reply, so a refusal can carry its status.
 */
export interface PageRequest {
  method?: string;
  payload?: unknown;
  query?: unknown;
  ip?: string;
}
export interface PageReply {
  code(status: number): unknown;
}
export interface PageContext {
  currentAdmin?: unknown;
}
export type PageHandler = (
  request: PageRequest,
  reply: PageReply,
  context: PageContext,
) => Promise<unknown>;

/** A panel page as AdminJS takes it: its component, its sidebar icon and its one handler. */
export function adminPage(component: string, icon: string, handler: PageHandler): AdminPage {
  return { component, icon, handler };
}

/** A page's field problems: read through request-schema.ts, the panel's one request reader. */
export type { FieldError, FieldErrors } from '../request-schema.js';

export class PageForbiddenError extends Error {
  readonly statusCode = 403;
  constructor() {
    super('forbidden');
  }
}

export function isPost(request: PageRequest): boolean {
  return String(request.method ?? 'get').toLowerCase() === 'post';
}

/**
 * The user, if the access table's page rule lets them open the page (GET) or change through it
 * (POST); else a 403. admin-panel.ts checks the same rule before the handler runs; this gives the
 * handler the typed user. A page file names no role.
 */
export function pageUser(page: PanelPage, request: PageRequest, context: PageContext): PanelUser {
  const user = context.currentAdmin;
  if (!canOpenPage(user, page, String(request.method ?? 'get')) || !isPanelUser(user))
    throw new PageForbiddenError();
  return user;
}

export function staffActor(user: PanelUser, request: PageRequest): Actor {
  const ip = (user as { ip?: unknown }).ip ?? request.ip;
  return { type: 'staff', id: user.id, ip: typeof ip === 'string' ? ip : null };
}

/** A refusal with its status; the page's component shows `errors` on their fields. */
export function refuse<T extends object>(reply: PageReply, status: number, body: T): T {
  reply.code(status);
  return body;
}
