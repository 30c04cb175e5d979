import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { en, ru } from '../../src/admin/panel/locales/index.js';
import {
  FIELD_ERRORS,
  fieldErrors,
  fieldProblems,
  installRequestSchemas,
  parseRequest,
  RequestSchemaError,
  readRequest,
  withSchemas,
} from '../../src/admin/panel/request-schema.js';

const form = z
  .object({
    name: z.string().trim().min(1).max(20),
    amount: z.coerce.number().min(0).max(1_000_000),
    kind: z.enum(['csv', 'xlsx']).default('csv'),
  })
  .strict();

async function app() {
  const scope = Fastify();
  installRequestSchemas(scope);
  withSchemas(scope).post(
    '/form',
    { schema: { body: form, querystring: z.object({ page: z.coerce.number().int().min(1) }) } },
    // The handler gets parsed, typed values: a number, a trimmed name, the default kind.
    async (request) => ({
      name: request.body.name,
      double: request.body.amount * 2,
      kind: request.body.kind,
      page: request.query.page,
    }),
  );
  return scope;
}

describe('request schemas', () => {
  it('hands the route parsed values of the schema’s types', async () => {
    const response = await (await app()).inject({
      method: 'POST',
      url: '/form?page=2',
      payload: { name: '  Анна ', amount: '150' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'Анна', double: 300, kind: 'csv', page: 2 });
  });

  it('answers a bad body with 400 naming each bad field with a message key', async () => {
    const response = await (await app()).inject({
      method: 'POST',
      url: '/form?page=1',
      payload: { name: 'x'.repeat(21), amount: 'lots', kind: 'pdf', extra: '1' },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.fields).toEqual({
      name: FIELD_ERRORS.tooLong,
      amount: FIELD_ERRORS.notANumber,
      kind: FIELD_ERRORS.notAllowed,
      extra: FIELD_ERRORS.unknownField,
    });
    expect(body.error).toBe('body.name: too long');
  });

  it('names a missing field as required, and a bad query parameter as the query’s', async () => {
    const missing = await (await app()).inject({
      method: 'POST',
      url: '/form?page=1',
      payload: {},
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().fields).toMatchObject({ name: 'required', amount: 'required' });
    const query = await (await app()).inject({
      method: 'POST',
      url: '/form?page=0',
      payload: { name: 'a', amount: 1 },
    });
    expect(query.statusCode).toBe(400);
    expect(query.json()).toEqual({ error: 'query.page: too small', fields: { page: 'too small' } });
  });

  it('leaves other errors to the server’s own handler', async () => {
    const scope = Fastify();
    scope.setErrorHandler((_e, _r, reply) => reply.code(418).send({ outer: true }));
    await scope.register(async (inner) => {
      installRequestSchemas(inner);
      inner.get('/boom', async () => {
        throw new Error('boom');
      });
    });
    const response = await scope.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(418);
  });

  it('parses an AdminJS payload the same way, throwing a 400 error', () => {
    expect(parseRequest(form, { name: 'a', amount: '5' })).toEqual({
      name: 'a',
      amount: 5,
      kind: 'csv',
    });
    // Hostile input: a huge value, an array where text belongs, a NUL-laden object.
    for (const bad of [
      { name: 'a'.repeat(100_000), amount: 1 },
      { name: ['a'], amount: 1 },
      null,
    ]) {
      try {
        parseRequest(form, bad);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(RequestSchemaError);
        expect((err as RequestSchemaError).statusCode).toBe(400);
        expect(Object.keys((err as RequestSchemaError).fields)).toContain('name');
      }
    }
  });

  it('has every message key in both languages', () => {
    const ruMessages = ru.messages as Record<string, string>;
    const enMessages = en.messages as Record<string, string>;
    for (const key of Object.values(FIELD_ERRORS)) {
      expect(ruMessages[key], key).toMatch(/[а-яё]/i);
      expect(enMessages[key], key).toBe(key);
    }
  });
});

describe('a page handler reads its request through the same schemas', () => {
  it('answers each bad field with its problem and the bound it broke, and parses good input', () => {
    expect(readRequest(form, { name: ' Анна ', amount: '5' })).toEqual({
      data: { name: 'Анна', amount: 5, kind: 'csv' },
    });
    const read = readRequest(form, {
      name: 'x'.repeat(21),
      amount: '-1',
      kind: 'pdf',
      extra: '<script>',
    });
    expect(read).toEqual({
      errors: {
        name: { key: 'tooLong', params: { max: 20 } },
        amount: { key: 'tooSmall', params: { min: 0 } },
        kind: { key: 'notAllowed' },
        extra: { key: 'unknownField' },
      },
    });
    expect(readRequest(form, null)).toEqual({
      errors: { name: { key: 'required' }, amount: { key: 'required' } },
    });
    expect(readRequest(form, { name: ['a'], amount: 'lots' })).toEqual({
      errors: { name: { key: 'invalid' }, amount: { key: 'notANumber' } },
    });
  });

  it('names problems the two ways alike: each page key is a message key of the API', () => {
    const data = { name: '', amount: 2_000_000, kind: 'pdf' };
    const parsed = form.safeParse(data);
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const problems = fieldProblems(parsed.error, data);
    const messages = fieldErrors(parsed.error, data);
    expect(Object.keys(messages)).toEqual(Object.keys(problems));
    for (const [field, problem] of Object.entries(problems))
      expect(messages[field]).toBe(FIELD_ERRORS[problem.key as keyof typeof FIELD_ERRORS]);
  });

  it('has a page text for every problem, in both languages', () => {
    const texts = (tree: unknown) =>
      (tree as { components: { PageForm: { errors: Record<string, string> } } }).components.PageForm
        .errors;
    for (const key of Object.keys(FIELD_ERRORS)) {
      expect(texts(ru)[key], key).toMatch(/[а-яё]/i);
      expect(texts(en)[key], key).toMatch(/[a-z]/i);
    }
  });
});
