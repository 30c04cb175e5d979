import { Readable } from 'node:stream';
import { z } from 'zod';

/**
 * Path checks for the panel, on the path alone (never the query string: AdminJS's own check
 * matched asset names anywhere in the URL, so `?x=/frontend/assets/x.svg` opened the API).
 */

/** The decoded path of a request URL, or null when it is malformed or tries to climb out. */
export function requestPath(url: string): string | null {
  const raw = url.split('?')[0]?.split('#')[0] ?? '';
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (
    path.includes('\\') ||
    path.includes('\0') ||
    /\/\.\.?(\/|$)/.test(path) ||
    path.includes('//')
  ) {
    return null;
  }
  return path;
}

export function isStateChanging(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/**
 * Cross-site request forgery check by origin. Browsers send Sec-Fetch-Site on every request and
 * Origin on every POST; a forged cross-site form or fetch carries another site in both. A
 * request with neither header (curl, scripts) is not a browser forgery, but is still refused on
 * the panel: only the panel's own pages post to it.
 */
export function isSameOrigin(
  headers: Record<string, string | string[] | undefined>,
  host: string,
): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function sameHost(url: string, host: string): boolean {
  try {
    return new URL(url).host === host;
  } catch {
    return false;
  }
}

function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether a call of the panel's API comes from a script on one of the panel's own pages. A link
 * tapped in Telegram or a mail client, a pasted address (`Sec-Fetch-Site: none`), another
 * site's page, or a navigation of any kind is not: the session cookie travels with all of
 * them, so the action would run in the logged-in person's name. Browsers without fetch
 * metadata are judged by Origin, then Referer (the panel sends it to itself: Referrer-Policy
 * same-origin); a request with neither is refused.
 */
export function isPanelScriptCall(
  headers: Record<string, string | string[] | undefined>,
  host: string,
): boolean {
  // A script's fetch or XHR; not a navigation, nor an <img>/<script> (no-cors) from elsewhere.
  const mode = header(headers, 'sec-fetch-mode');
  if (mode !== undefined && mode !== 'cors' && mode !== 'same-origin') return false;
  const site = header(headers, 'sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = header(headers, 'origin');
  if (origin !== undefined) return sameHost(origin, host);
  const referer = header(headers, 'referer');
  return referer !== undefined && sameHost(referer, host);
}

/** The page and ordering parameters of AdminJS's list, as it reads them (list-action.js). */
const listQuery = z.object({
  page: z
    .string()
    .regex(/^\d{1,6}$/, 'a whole number from 1')
    .refine((v) => Number(v) >= 1, {
      message: 'a whole number from 1',
    }),
  perPage: z
    .string()
    .regex(/^\d{1,3}$/, 'a whole number from 1 to 500')
    .refine((v) => Number(v) >= 1 && Number(v) <= 500, { message: 'a whole number from 1 to 500' }),
  direction: z.enum(['asc', 'desc'], { message: 'asc or desc' }),
});
type ListParam = keyof z.infer<typeof listQuery>;

export interface QueryField {
  path: string;
  /** Worked out for display, not a column: not to be filtered or sorted on. */
  computed?: boolean;
}

export interface BadParameter {
  param: string;
  message: string;
}

const MAX_PARAM_LENGTH = 1000;

/**
 * Checks the query of a panel API call before AdminJS reads it: every parameter once, without
 * NUL (PostgreSQL refuses it in text), of a bounded length; page, perPage and direction well
 * formed; sortBy and filters.* only on the resource's own fields, filters never on worked-out
 * ones (they are not columns), nor sorted on. The first problem found, naming the parameter, or
 * null.
 */
export function badQueryParameter(
  query: Record<string, unknown>,
  fields: readonly QueryField[],
): BadParameter | null {
  for (const [param, value] of Object.entries(query)) {
    if (typeof value !== 'string') return { param, message: 'given more than once' };
    if (value.includes('\0')) return { param, message: 'contains a NUL character' };
    if (value.length > MAX_PARAM_LENGTH)
      return { param, message: `longer than ${MAX_PARAM_LENGTH} characters` };
    if (Object.hasOwn(listQuery.shape, param)) {
      const checked = listQuery.shape[param as ListParam].safeParse(value);
      if (!checked.success)
        return { param, message: checked.error.issues[0]?.message ?? 'invalid' };
    } else if (param === 'sortBy') {
      const field = fields.find((f) => f.path === value);
      if (!field) return { param, message: 'not a field of this list' };
      if (field.computed) return { param, message: 'worked out for display, cannot be sorted' };
    } else if (param === 'filters' || param.startsWith('filters.')) {
      // Date ranges arrive as filters.<field>~~from and ~~to.
      const path = param.slice('filters.'.length).replace(/~~(from|to)$/, '');
      const field = fields.find((f) => f.path === path);
      if (!field) return { param, message: 'not a field of this list' };
      if (field.computed) return { param, message: 'worked out for display, cannot be filtered' };
    }
  }
  return null;
}

/** A multipart body names its boundary; without one, the parser would fail with a 500. */
export function badContentType(contentType: string | undefined): BadParameter | null {
  if (contentType === undefined || !/^\s*multipart\//i.test(contentType)) return null;
  return /;\s*boundary=("[^"]+"|[^\s;]+)/i.test(contentType)
    ? null
    : { param: 'content-type', message: 'multipart without a boundary' };
}

/** The most fields, and the deepest nesting, a panel form or API body may have. */
export const PAYLOAD_LIMITS = { fields: 1000, depth: 32 } as const;

export class PayloadShapeError extends Error {
  constructor(
    readonly statusCode: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'PayloadShapeError';
  }
}

const tooManyFields = () =>
  new PayloadShapeError(413, `more than ${PAYLOAD_LIMITS.fields} fields in one request`);
const tooDeep = () =>
  new PayloadShapeError(400, `nested deeper than ${PAYLOAD_LIMITS.depth} levels`);

/** Counts fields and JSON depth chunk by chunk; an error once either is over the limit. */
function shapeCheck(json: boolean): (chunk: Buffer) => PayloadShapeError | null {
  let fields = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  return (chunk) => {
    for (const byte of chunk) {
      if (!json) {
        if (byte === 0x26 && ++fields > PAYLOAD_LIMITS.fields) return tooManyFields();
      } else if (inString) {
        if (escaped) escaped = false;
        else if (byte === 0x5c) escaped = true;
        else if (byte === 0x22) inString = false;
      } else if (byte === 0x22) inString = true;
      else if (byte === 0x7b || byte === 0x5b) {
        if (++depth > PAYLOAD_LIMITS.depth) return tooDeep();
      } else if (byte === 0x7d || byte === 0x5d) depth--;
      else if (byte === 0x2c && ++fields > PAYLOAD_LIMITS.fields) return tooManyFields();
    }
    return null;
  };
}

/**
 * The body as Fastify's parser reads it, with its fields (`&` of a URL-encoded form; `,` of
 * JSON) and JSON's bracket depth counted as it arrives, failing as soon as either is over the
 * limit: AdminJS flattens and unflattens every field recursively, so 100,000 fields held the
 * event loop for seconds and 10,000 nested brackets overflowed the stack. It reads the request
 * only when the parser does (an error before the parser listens would be lost) and never
 * destroys it (the refusal still has to be sent). The body itself for other content types
 * (multipart has its own parts limit; CSV uploads are read by their own page).
 */
export function boundedPayload(payload: Readable, contentType: string | undefined): Readable {
  const type = (contentType ?? '').toLowerCase();
  const form = /^\s*application\/x-www-form-urlencoded/.test(type);
  const json = /^\s*application\/([\w.-]+\+)?json/.test(type);
  if (!form && !json) return payload;
  const check = shapeCheck(json);
  const out = new Readable({ read: () => payload.resume() });
  const onData = (chunk: Buffer) => {
    const problem = check(chunk);
    if (problem) {
      // The rest is left unread: the refusal closes the connection (server.ts).
      payload.off('data', onData);
      payload.pause();
      out.destroy(problem);
    } else if (!out.push(chunk)) payload.pause();
  };
  payload.on('data', onData);
  payload.on('end', () => out.push(null));
  payload.on('error', (err) => out.destroy(err));
  payload.pause();
  return out;
}

/**
 * AdminJS also nests by dots in names (`a.b.c` becomes { a: { b: { c } } }): a name with more
 * parts than the depth limit is refused, in the body and the query alike.
 */
export function badFieldName(values: unknown): BadParameter | null {
  if (!values || typeof values !== 'object' || Array.isArray(values)) return null;
  const names = Object.keys(values);
  if (names.length > PAYLOAD_LIMITS.fields)
    return { param: 'body', message: tooManyFields().message };
  for (const name of names)
    if (name.split('.').length > PAYLOAD_LIMITS.depth)
      return { param: `${name.slice(0, 40)}…`, message: tooDeep().message };
  return null;
}
