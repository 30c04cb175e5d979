import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyTypeProvider,
} from 'fastify';
import type { ZodType, z } from 'zod';

/**
 * The one way the panel reads a request body, query or route parameters: a zod schema.
 *
 * A plain Fastify route (downloads, uploads, the password page) declares its schemas and gets
 * typed values, already parsed:
 *
 *   const route = withSchemas(scope); // once per file, on the panel's scope
 *   route.post(PATH, { schema: { body: z.object({ name: z.string().max(200) }) } },
 *     async (request) => request.body.name);
 *
 * An AdminJS action handler parses what AdminJS hands it (a bad value throws the 400 below):
 *
 *   const form = parseRequest(z.object({ amount: z.coerce.number().min(0) }), request.payload);
 *
 * An AdminJS page handler reads it and answers the fields itself, with `{ errors }` keyed by
 * field (`{ amount: { key: 'tooSmall', params: { min: 0 } } }`), shown by its component:
 *
 *   const read = readRequest(schema, request.payload);
 *   if ('errors' in read) return refuse(reply, 400, { errors: read.errors });
 *
 * A bad value is a 400 `{ error: 'amount: …', fields: { amount: '<message key>' } }`: the
 * field is named, and the message is a key of the panel's locale (`messages.*`), so a
 * component shows it on the field with `translateMessage(fields.amount)`. Use the keys of
 * FIELD_ERRORS in schemas (`z.string().min(1, FIELD_ERRORS.required)`); zod's own issues are
 * mapped to them below, so a schema without custom messages is still translated.
 */

/** Message keys (in `messages` of both locales) for the problems a schema finds. */
export const FIELD_ERRORS = {
  required: 'required',
  invalid: 'invalid value',
  tooLong: 'too long',
  tooShort: 'too short',
  notANumber: 'not a number',
  tooSmall: 'too small',
  tooLarge: 'too large',
  notAllowed: 'not one of the allowed values',
  unknownField: 'unknown field',
} as const;
export type FieldErrorKey = (typeof FIELD_ERRORS)[keyof typeof FIELD_ERRORS];
/** The problems a schema finds, by name (`PageForm.errors.<name>` in the pages' texts). */
export type FieldProblem = keyof typeof FIELD_ERRORS;

/**
 * A field's problem as a page handler answers it: a key of the page's texts
 * (`<Screen>.errors.<key>`, else `PageForm.errors.<key>`) and the values it names. A schema's
 * problems use the names of FIELD_ERRORS; a handler may add its own keys (a domain refusal).
 */
export interface FieldError {
  key: string;
  params?: Record<string, string | number>;
}
export type FieldErrors = Record<string, FieldError>;

/** A request that did not match its schema: a 400 naming each bad field. */
export class RequestSchemaError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_VALIDATION';
  constructor(
    /** Field path (dots for nesting) → message key. */
    readonly fields: Readonly<Record<string, string>>,
    part: string,
  ) {
    const [first] = Object.entries(fields);
    super(first ? `${part}.${first[0]}: ${first[1]}` : `${part}: ${FIELD_ERRORS.invalid}`);
    this.name = 'RequestSchemaError';
  }
}

function at(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const PROBLEM_OF_MESSAGE = new Map(
  Object.entries(FIELD_ERRORS).map(([problem, message]) => [message, problem as FieldProblem]),
);

/** The one reading of a zod issue: what is wrong, and the bound it broke. */
function problemOf(issue: z.core.$ZodIssue, data: unknown): FieldError & { key: FieldProblem } {
  // A message a schema gave on purpose (one of FIELD_ERRORS) is kept as it is.
  const chosen = PROBLEM_OF_MESSAGE.get(issue.message as FieldErrorKey);
  const bound = (value: unknown) => (typeof value === 'bigint' ? Number(value) : Number(value));
  switch (issue.code) {
    case 'invalid_type':
      if (chosen) return { key: chosen };
      // Looked up in the data as sent: z.coerce turns a missing value into NaN.
      if (at(data, issue.path) === undefined) return { key: 'required' };
      return { key: issue.expected === 'number' ? 'notANumber' : 'invalid' };
    case 'too_big': {
      const text = issue.origin === 'string' || issue.origin === 'array';
      return {
        key: chosen ?? (text ? 'tooLong' : 'tooLarge'),
        params: { max: bound(issue.maximum) },
      };
    }
    case 'too_small': {
      const text = issue.origin === 'string' || issue.origin === 'array';
      if (!chosen && issue.origin === 'string' && issue.minimum === 1) return { key: 'required' };
      return {
        key: chosen ?? (text ? 'tooShort' : 'tooSmall'),
        params: { min: bound(issue.minimum) },
      };
    }
    case 'invalid_value':
      return { key: chosen ?? 'notAllowed' };
    case 'unrecognized_keys':
      return { key: 'unknownField' };
    default:
      return { key: chosen ?? 'invalid' };
  }
}

/** Field path (dots for nesting; `_` for the whole) → its first problem. */
export function fieldProblems(error: z.ZodError, data: unknown): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const fields =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => [...issue.path, k].join('.'))
        : [issue.path.join('.') || '_'];
    for (const field of fields) out[field] ??= problemOf(issue, data);
  }
  return out;
}

/** Field path → message key (`messages.*`), the first problem of each field. */
export function fieldErrors(error: z.ZodError, data: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fieldProblems(error, data)).map(([field, problem]) => [
      field,
      FIELD_ERRORS[problem.key as FieldProblem] ?? FIELD_ERRORS.invalid,
    ]),
  );
}

/** Parses `data` with `schema`, or throws a RequestSchemaError (a 400 naming the fields). */
export function parseRequest<S extends ZodType>(
  schema: S,
  data: unknown,
  part = 'body',
): z.output<S> {
  const result = schema.safeParse(data ?? {});
  if (result.success) return result.data;
  throw new RequestSchemaError(fieldErrors(result.error, data), part);
}

/**
 * Reads a page handler's body or query with `schema`: the data, or each bad field with its
 * problem, for the page to answer with its status (pages/page-input.ts `refuse`) and its
 * component to show on the field.
 */
export function readRequest<S extends ZodType>(
  schema: S,
  data: unknown,
): { data: z.output<S> } | { errors: FieldErrors } {
  const result = schema.safeParse(data ?? {});
  if (result.success) return { data: result.data };
  return { errors: fieldProblems(result.error, data) };
}

/** Fastify's type provider for zod schemas: `request.body` etc. get the schema's output type. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends ZodType ? z.input<this['schema']> : unknown;
}

const PARTS: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/**
 * Makes the scope validate route schemas with zod and answer a RequestSchemaError as
 * `{ error, fields }`. Called once, on the panel's scope (admin-panel.ts).
 */
export function installRequestSchemas(scope: FastifyInstance): void {
  scope.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const result = (schema as unknown as ZodType).safeParse(data ?? {});
    if (result.success) return { value: result.data };
    return {
      error: new RequestSchemaError(
        fieldErrors(result.error, data),
        PARTS[httpPart ?? ''] ?? 'body',
      ),
    };
  });
  scope.setErrorHandler((error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof RequestSchemaError)
      return reply.code(400).send({ error: error.message, fields: error.fields });
    // Anything else is the web server's to answer (its handler logs and hides 5xx details).
    throw error;
  });
}

/** The scope with zod-typed routes; routes added through it must declare their schemas. */
export function withSchemas(scope: FastifyInstance) {
  return scope.withTypeProvider<ZodTypeProvider>();
}
