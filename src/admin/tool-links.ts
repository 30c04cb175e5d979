import { can, isPanelUser } from './access.js';
import { BOOK_PATH, canBookWalkIns } from './booking-page.js';
import { canExport, EXPORT_PATH } from './export-page.js';
import { IMPORT_PATH } from './import-page.js';
import { canViewLoyalty, LOYALTY_PATH } from './loyalty-page.js';
import { ADMIN_ROOT } from './paths.js';
import { STATS_PATH } from './stats-page.js';
import { canEditTemplates, TEMPLATES_PATH } from './templates-page.js';

const LABELS = {
  ru: {
    book: 'Записать клиента',
    import: 'Импорт',
    export: 'Экспорт',
    stats: 'Цифры',
    complete: 'Состоялся: сумма и баллы…',
    exportClient: 'Данные клиента (JSON)',
    merge: 'Объединить с другим…',
    templates: 'Тексты поздравлений',
    loyalty: 'Лояльность',
  },
  en: {
    book: 'Book a client',
    import: 'Import',
    export: 'Export',
    stats: 'Numbers',
    complete: 'Done: amount and points…',
    exportClient: "Client's data (JSON)",
    merge: 'Merge with another…',
    templates: 'Greeting texts',
    loyalty: 'Loyalty',
  },
};

/** A link shown only on AdminJS pages whose path matches; `$1` takes the record id. */
interface ContextLink {
  path: string;
  href: string;
  label: string;
}

const LINK_STYLE =
  'background:#3040d6;color:#fff;padding:8px 12px;border-radius:16px;text-decoration:none;box-shadow:0 2px 8px #0003';

const record = (resource: string) =>
  `^${ADMIN_ROOT}/resources/${resource}/records/([0-9a-f-]{36})/show$`;

/**
 * The panel's own pages as a small bar on every AdminJS page, with the links the user's role
 * may open: always-there pages (booking at the desk, import, export, numbers) and, on a
 * record's page, the actions that have a page of their own (AdminJS navigates without
 * reloading, so a small script follows the address). Fixed texts and paths only; the server
 * checks the role again on every page.
 */
export function toolBar(user: unknown): string {
  if (!isPanelUser(user)) return '';
  const t = user.locale === 'en' ? LABELS.en : LABELS.ru;
  const links: [string, string][] = [];
  if (canBookWalkIns(user)) links.push([BOOK_PATH, t.book], [IMPORT_PATH, t.import]);
  if (canExport(user)) links.push([EXPORT_PATH, t.export]);
  if (['owner', 'admin', 'manager', 'analyst'].includes(user.role))
    links.push([STATS_PATH, t.stats]);
  if (canEditTemplates(user)) links.push([TEMPLATES_PATH, t.templates]);
  if (canViewLoyalty(user)) links.push([LOYALTY_PATH, t.loyalty]);
  const context: ContextLink[] = [];
  if (can(user, 'Visit', 'complete'))
    context.push({
      path: record('Visit'),
      href: `${ADMIN_ROOT}/visits/$1/complete`,
      label: t.complete,
    });
  if (can(user, 'Client', 'exportData'))
    context.push({
      path: record('Client'),
      href: `${ADMIN_ROOT}/clients/$1/export.json`,
      label: t.exportClient,
    });
  if (can(user, 'Client', 'merge'))
    context.push({
      path: record('Client'),
      href: `${ADMIN_ROOT}/clients/$1/merge`,
      label: t.merge,
    });
  if (links.length === 0 && context.length === 0) return '';
  // JSON inside a script: `<` escaped so no text can close the script element.
  const rules = JSON.stringify(context).replace(/</g, '\\u003c');
  return `<nav id="clientele-tools" style="position:fixed;right:16px;bottom:16px;z-index:1000;display:flex;gap:8px;font:14px system-ui,sans-serif"><span id="clientele-context" style="display:flex;gap:8px"></span>${links
    .map(([href, label]) => `<a href="${href}" style="${LINK_STYLE}">${label}</a>`)
    .join('')}</nav><script>(function(){var rules=${rules};var last='';
function draw(){var box=document.getElementById('clientele-context');if(!box||location.pathname===last)return;last=location.pathname;box.textContent='';
rules.forEach(function(r){var m=new RegExp(r.path).exec(last);if(!m)return;var a=document.createElement('a');a.href=r.href.replace('$1',m[1]);a.textContent=r.label;a.setAttribute('style',${JSON.stringify(LINK_STYLE)});box.appendChild(a);});}
setInterval(draw,300);document.addEventListener('DOMContentLoaded',draw);})();</script>`;
}
