import type { FieldError as PageFieldError } from '../pages/page-input.js';

/**
 * The one way a panel component reads a refused call (400/403/409) and the shapes it can take;
 * components/page-fields.tsx shows the result on the fields (Field, useFieldMessage).
 */

/**
 * A field's problem: a key of the screen's errors (`<Screen>.errors.<key>`, as the page handlers
 * answer, pages/page-input.ts) or, with `message`, a key of the panel's `messages` (as the request
 * schema and the record actions answer: request-schema.ts, actions/visit-actions.ts).
 */
export interface FieldError extends PageFieldError {
  message?: boolean;
}
export type FieldErrors = Record<string, FieldError>;

/** What a refused call said, whichever handler answered: its fields, and a notice if any. */
export interface Refusal {
  fields: FieldErrors;
  notice: { message: string; options?: object } | null;
}

/**
 * The one reading of a refusal (400/403/409) for every component: `errors` of a page handler,
 * `fields` of the request schema or a record action (with its `options`), and `notice`. Takes
 * the error ApiClient throws or a body already read (a plain route's `fetch`); null when the
 * answer says nothing of the kind (a network failure, a 500).
 */
export function refusalOf(errOrBody: unknown): Refusal | null {
  const response = (errOrBody as { response?: { data?: unknown } } | null)?.response;
  const body = (response ? response.data : errOrBody) as {
    errors?: unknown;
    fields?: unknown;
    options?: unknown;
    notice?: unknown;
  } | null;
  if (!body || typeof body !== 'object') return null;
  const fields: FieldErrors = {};
  // Field names can echo what was posted (an unknown field): never let one reach the prototype.
  const entries = (value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).filter(([field]) => field !== '__proto__')
      : [];
  for (const [field, error] of entries(body.errors))
    if (typeof (error as FieldError | null)?.key === 'string') fields[field] = error as FieldError;
  const params = (
    body.options && typeof body.options === 'object' ? body.options : undefined
  ) as FieldError['params'];
  for (const [field, key] of entries(body.fields))
    if (typeof key === 'string' && !Object.hasOwn(fields, field))
      fields[field] = { key, ...(params ? { params } : {}), message: true };
  const notice =
    body.notice && typeof body.notice === 'object' && 'message' in body.notice
      ? (body.notice as Refusal['notice'])
      : null;
  return Object.keys(fields).length > 0 || notice ? { fields, notice } : null;
}

/** The field errors of a refused call, or null for any other failure. */
export function errorsOf(err: unknown): FieldErrors | null {
  const refusal = refusalOf(err);
  return refusal && Object.keys(refusal.fields).length > 0 ? refusal.fields : null;
}
