/** The frame of the panel's own server-rendered pages: one look, system fonts, no scripts from elsewhere. */

/** Escapes text for HTML content and attribute values. */
export const esc = (v: string) =>
  v.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const BASE_STYLE = `body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;background:#f6f7fb;margin:0;color:#1c1c38}
main{max-width:960px;margin:32px auto;background:#fff;padding:32px;border-radius:8px;box-shadow:0 2px 12px #0001}
label{display:inline-block;margin:8px 16px 8px 0}select,input,textarea{padding:6px;font-size:15px;font-family:inherit}
button{margin-top:12px;padding:10px 20px;border:0;border-radius:4px;font-size:15px;background:#3040d6;color:#fff;cursor:pointer}
button.secondary{background:#e8eaf6;color:#1c1c38}
table{border-collapse:collapse;margin-top:16px;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;font-size:14px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px}dt{color:#555}dd{margin:0;font-weight:600}
.error{color:#c20012}.ok{color:#0a7a32}.field-error{color:#c20012;font-size:13px;display:block}`;

/**
 * A whole page. `body` must already be escaped where it holds anything typed or stored;
 * `style` adds page-specific rules.
 */
export function panelPage(options: {
  title: string;
  body: string;
  back?: { href: string; label: string };
  style?: string;
  lang?: string;
}): string {
  const back = options.back
    ? `<p><a href="${esc(options.back.href)}">${esc(options.back.label)}</a></p>`
    : '';
  return `<!doctype html><html lang="${options.lang === 'en' ? 'en' : 'ru'}"><head><meta charset="utf-8"><title>${esc(options.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${BASE_STYLE}${options.style ?? ''}</style></head><body><main>
${back}<h1>${esc(options.title)}</h1>${options.body}</main></body></html>`;
}

/** A notice line: nothing when there is no message. */
export function notice(message: string | null, kind: 'error' | 'ok' = 'error'): string {
  return message
    ? `<p class="${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${esc(message)}</p>`
    : '';
}
