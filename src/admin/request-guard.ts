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

/**
 * AdminJS's own buttons run record actions (cancel, erase, …) with GET, so a cross-site link
 * to an API path would act with the session cookie (SameSite=Lax lets top-level GETs carry it).
 * The panel's scripts call the API from the same origin; a browser marks anything else.
 */
export function isCrossSiteFetch(headers: Record<string, string | string[] | undefined>): boolean {
  const site = headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}
