import { en } from '../../src/admin/panel/locales/index.js';
import type { PanelHarness } from './panel-harness.js';

/** A field's problem as the page handlers answer it. */
export interface PageFieldError {
  key: string;
  params?: Record<string, string | number>;
}

/**
 * Calls an AdminJS page's handler as its component does (ApiClient.getPage): a GET with a query,
 * or a POST with a JSON body, from the panel's own page (same-origin fetch metadata).
 */
export async function pageApi(
  h: PanelHarness,
  page: string,
  cookie: string | undefined,
  body?: unknown,
  query = '',
): Promise<Response> {
  const post = body !== undefined;
  return fetch(`${h.url}/admin/api/pages/${page}${query ? `?${query}` : ''}`, {
    method: post ? 'POST' : 'GET',
    redirect: 'manual',
    headers: {
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
      origin: h.url,
      ...(cookie ? { cookie } : {}),
      ...(post ? { 'content-type': 'application/json' } : {}),
    },
    ...(post ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}

/** The English text a page's component shows for a field error (its screen's, else shared). */
export function say(screen: string, error: PageFieldError | undefined): string {
  if (!error) return '';
  const components = en.components as unknown as Record<
    string,
    { errors?: Record<string, string> }
  >;
  const template =
    components[screen]?.errors?.[error.key] ?? components.PageForm?.errors?.[error.key] ?? '';
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(error.params?.[k] ?? ''));
}
