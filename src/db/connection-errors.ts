/**
 * Whether an error means the database could not be reached or went away (a restart, a network
 * cut), as opposed to a query the database refused. Work that failed this way is worth trying
 * again once the server is back; pg's pool replaces the broken connections by itself.
 */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  // Class 08: connection exception; 57P01-57P03: the server shutting down or starting up;
  // 53300: too many connections.
  if (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code))
    return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/.test(
    message,
  );
}
