/**
 * The one UUID check, for ids that arrive from outside (a panel URL, a form, a button, an import):
 * the canonical 8-4-4-4-12 hexadecimal form, any case. Checking before a query turns a mistyped
 * id into "not found" instead of a PostgreSQL cast error.
 */

/** The pattern's source, to compose into a router's or callback's regular expression. */
export const UUID_PATTERN =
  '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

const UUID = new RegExp(`^${UUID_PATTERN}$`);

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
