import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { canUseSandbox, isPanelUser } from '../admin/panel/access.js';
import { ADMIN_ROOT } from '../admin/panel/paths.js';
import { isSameOrigin } from '../admin/panel/request-guard.js';
import { RequestSchemaError, withSchemas } from '../admin/panel/request-schema.js';
import type { Database } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import type { Arrival, SandboxChat } from './sandbox-chat.js';
import { SandboxInputError } from './sandbox-chat.js';
import type { ChatMessage, Persona } from './sandbox-store.js';

/** The sandbox's page in AdminJS's sidebar (admin/panel/pages/sandbox-page.ts shows the chat). */
export const SANDBOX_PAGE_PATH = `${ADMIN_ROOT}/pages/sandbox`;
/** The chat's JSON API, which the page's component calls. */
export const SANDBOX_API = `${ADMIN_ROOT}/sandbox/api`;
/** How long a chat poll waits for something new before answering "nothing". */
const POLL_WAIT_MS = 25_000;
const BODY_LIMIT = 16 * 1024;

/** Which of the sandbox's refusals (the page's `Sandbox.errors.*`) a bad field of a request is. */
const CODE_OF_FIELD: Readonly<Record<string, SandboxInputError['code']>> = {
  // (A field not named here is answered by its own name.)
  kind: 'kind',
  name: 'name',
  language: 'language',
  code: 'link',
  staffUserId: 'staff',
  id: 'persona',
  text: 'text',
  phone: 'phone',
  messageId: 'button',
  data: 'button',
};

// Lengths are bounded here far above what the chat accepts; the chat says what is wrong (a
// name too long, a code with other characters) with its own code.
const short = z.string().max(200);
const schemas = {
  persona: z.object({ id: z.string().regex(/^\d{1,16}$/) }),
  file: z.object({ id: z.string().regex(/^\d{1,16}$/), messageId: z.string().regex(/^\d{1,9}$/) }),
  createPersona: z.object({
    kind: z.enum(['client', 'ref', 'src', 'master']),
    name: short.default(''),
    language: short.default(''),
    code: short.default(''),
    staffUserId: short.default(''),
  }),
  messages: z.object({
    after: z
      .string()
      .regex(/^\d{1,18}$/)
      .default('0'),
    wait: z.enum(['0', '1']).default('0'),
  }),
  send: z.object({ text: z.string() }),
  contact: z.object({ phone: short }),
  press: z.object({ messageId: z.number().int(), data: short }),
  fileQuery: z.object({ inline: z.enum(['0', '1']).default('0') }),
};

function personaView(p: Persona) {
  return { id: String(p.id), kind: p.kind, name: p.name, language: p.language };
}

function messageView(m: ChatMessage) {
  return {
    id: m.id,
    messageId: m.messageId,
    fromBot: m.fromBot,
    edited: m.edited,
    deleted: m.deleted,
    at: m.at.toISOString(),
    ...(m.deleted ? {} : m.body),
  };
}

/**
 * The JSON API of the sandbox's chat, inside the panel's scope: its session, its login redirect
 * and its same-origin rule for posts apply, and each route has its line in the access table.
 * The chat itself is the AdminJS page `sandbox`; /sandbox and /admin/sandbox lead to it.
 */
export function registerSandboxRoutes(
  scope: FastifyInstance,
  deps: { chat: SandboxChat; db: Kysely<Database> },
): void {
  const { chat } = deps;
  const route = withSchemas(scope);
  const userOf = (request: FastifyRequest) => request.session.get('adminUser');
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    // Its pictures and calls come from its own page; anything else (another site, a pasted
    // address, a link from a mail) reads nothing.
    if (!isSameOrigin(request.headers, request.host))
      return reply.code(403).send({ error: 'cross-site request refused' });
    if (!canUseSandbox(userOf(request))) return reply.code(403).send({ error: 'forbidden' });
    // A request its schema refused: the chat's code for its first bad field.
    const error = request.validationError;
    if (error) {
      const field =
        error instanceof RequestSchemaError ? (Object.keys(error.fields)[0] ?? '_') : '_';
      const name = field.split('.')[0] ?? field;
      return reply.code(400).send({ error: CODE_OF_FIELD[name] ?? name });
    }
  };
  const actor = (request: FastifyRequest) => {
    const user = userOf(request);
    return { type: 'staff' as const, id: isPanelUser(user) ? user.id : null, ip: request.ip };
  };
  const refused = (reply: FastifyReply, err: unknown) => {
    if (err instanceof SandboxInputError) return reply.code(400).send({ error: err.code });
    if (err instanceof DomainError) return reply.code(403).send({ error: 'forbidden' });
    throw err;
  };
  const checked = { preHandler: guard, attachValidation: true } as const;
  const posted = { ...checked, bodyLimit: BODY_LIMIT } as const;

  // Stopping the server ends the chats' long polls at once instead of waiting them out.
  const closing = new AbortController();
  scope.addHook('preClose', async () => closing.abort());

  // Short addresses of the page.
  scope.get('/sandbox', async (_request, reply) => reply.redirect(SANDBOX_PAGE_PATH));
  scope.get(`${ADMIN_ROOT}/sandbox`, async (_request, reply) => reply.redirect(SANDBOX_PAGE_PATH));

  /** Personas, and what the form offers: friends' codes, masters' staff accounts, source links. */
  scope.get(`${SANDBOX_API}/state`, { preHandler: guard }, async () => {
    const [personas, staff, sources] = await Promise.all([
      chat.personas(),
      deps.db
        .selectFrom('staff_users')
        .innerJoin('masters', 'masters.staff_user_id', 'staff_users.id')
        .select(['staff_users.id', 'staff_users.display_name'])
        .where('staff_users.active', '=', true)
        .where('masters.active', '=', true)
        .groupBy(['staff_users.id', 'staff_users.display_name'])
        .orderBy('staff_users.display_name')
        .execute(),
      deps.db
        .selectFrom('acquisition_sources')
        .select(['name', 'link_code'])
        .where('active', '=', true)
        .where('link_code', 'is not', null)
        .orderBy('name')
        .execute(),
    ]);
    // Friends to arrive by: sandbox clients only (their names are personas', not people's).
    const codes = await deps.db
      .selectFrom('clients')
      .select(['telegram_user_id', 'referral_code'])
      .where('sandbox', '=', true)
      .where('erased_at', 'is', null)
      .execute();
    const codeOf = new Map(codes.map((c) => [Number(c.telegram_user_id), c.referral_code]));
    return {
      personas: personas.map(personaView),
      referrers: personas
        .filter((p) => codeOf.has(p.id))
        .map((p) => ({ name: p.name, code: codeOf.get(p.id) })),
      staff: staff.map((s) => ({ id: s.id, name: s.display_name })),
      sources: sources.map((s) => ({ name: s.name, code: s.link_code })),
    };
  });

  route.post(
    `${SANDBOX_API}/personas`,
    { ...posted, schema: { body: schemas.createPersona } },
    async (request, reply) => {
      try {
        const body = request.body;
        let persona: Persona;
        if (body.kind === 'master') {
          persona = await chat.createMaster(
            { staffUserId: body.staffUserId, language: body.language },
            actor(request),
          );
        } else {
          const arrival: Arrival =
            body.kind === 'client'
              ? { kind: 'plain' }
              : { kind: body.kind, code: body.code.trim() };
          persona = await chat.createClient(
            { name: body.name, language: body.language, arrival },
            actor(request),
          );
        }
        return reply.code(201).send(personaView(persona));
      } catch (err) {
        return refused(reply, err);
      }
    },
  );

  route.get(
    `${SANDBOX_API}/personas/:id/messages`,
    { ...checked, schema: { params: schemas.persona, querystring: schemas.messages } },
    async (request, reply) => {
      // A page closed while it waits ends the wait at once.
      const aborted = new AbortController();
      // (The response's close, not the request's: that one fires once the request is read.)
      reply.raw.once('close', () => aborted.abort());
      try {
        const lines = await chat.chat(
          Number(request.params.id),
          request.query.after,
          request.query.wait === '1' ? POLL_WAIT_MS : 0,
          AbortSignal.any([aborted.signal, closing.signal]),
        );
        // The server already closed its idle connections: this one must not stay open after.
        if (closing.signal.aborted) reply.header('connection', 'close');
        return { messages: lines.map(messageView) };
      } catch (err) {
        return refused(reply, err);
      }
    },
  );

  route.post(
    `${SANDBOX_API}/personas/:id/send`,
    { ...posted, schema: { params: schemas.persona, body: schemas.send } },
    async (request, reply) => {
      try {
        await chat.send(Number(request.params.id), request.body.text);
        return { ok: true };
      } catch (err) {
        return refused(reply, err);
      }
    },
  );

  route.post(
    `${SANDBOX_API}/personas/:id/contact`,
    { ...posted, schema: { params: schemas.persona, body: schemas.contact } },
    async (request, reply) => {
      try {
        await chat.shareContact(Number(request.params.id), request.body.phone);
        return { ok: true };
      } catch (err) {
        return refused(reply, err);
      }
    },
  );

  route.post(
    `${SANDBOX_API}/personas/:id/press`,
    { ...posted, schema: { params: schemas.persona, body: schemas.press } },
    async (request, reply) => {
      try {
        await chat.press(Number(request.params.id), request.body.messageId, request.body.data);
        return { ok: true };
      } catch (err) {
        return refused(reply, err);
      }
    },
  );

  route.get(
    `${SANDBOX_API}/personas/:id/files/:messageId`,
    { ...checked, schema: { params: schemas.file, querystring: schemas.fileQuery } },
    async (request, reply) => {
      try {
        const file = await chat.file(Number(request.params.id), Number(request.params.messageId));
        if (!file) return reply.code(404).send({ error: 'not found' });
        // Only pictures are shown in the page; anything else is a download, never rendered.
        const inline = /^image\/(png|jpeg)$/.test(file.mimeType) && request.query.inline === '1';
        const safeName = file.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'file';
        return reply
          .type(
            inline
              ? file.mimeType
              : file.mimeType === 'text/calendar'
                ? 'text/calendar'
                : 'application/octet-stream',
          )
          .header(
            'content-disposition',
            `${inline ? 'inline' : 'attachment'}; filename="${safeName}"`,
          )
          .header('cache-control', 'private, no-store')
          .send(file.bytes);
      } catch (err) {
        return refused(reply, err);
      }
    },
  );
}
