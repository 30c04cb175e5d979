import { isPanelUser } from './access.js';
import { BOOK_PATH, canBookWalkIns } from './booking-page.js';
import { EXPORT_PATH } from './export-page.js';
import { IMPORT_PATH } from './import-page.js';
import { canViewLoyalty, LOYALTY_PATH } from './loyalty-page.js';
import { STATS_PATH } from './stats-page.js';

const LABELS = {
  ru: {
    book: 'Записать клиента',
    import: 'Импорт',
    export: 'Экспорт CSV',
    stats: 'Цифры',
    loyalty: 'Лояльность',
  },
  en: {
    book: 'Book a client',
    import: 'Import',
    export: 'Export CSV',
    stats: 'Numbers',
    loyalty: 'Loyalty',
  },
};

/**
 * The panel's own pages (booking at the desk, import, export, numbers) as a small bar on every
 * AdminJS page, with the links the user's role may open. Fixed texts and paths only.
 */
export function toolBar(user: unknown): string {
  if (!isPanelUser(user)) return '';
  const t = user.locale === 'en' ? LABELS.en : LABELS.ru;
  const links: [string, string][] = [];
  if (canBookWalkIns(user))
    links.push([BOOK_PATH, t.book], [IMPORT_PATH, t.import], [EXPORT_PATH, t.export]);
  if (['owner', 'admin', 'manager', 'analyst'].includes(user.role))
    links.push([STATS_PATH, t.stats]);
  if (canViewLoyalty(user)) links.push([LOYALTY_PATH, t.loyalty]);
  if (links.length === 0) return '';
  return `<nav id="clientele-tools" style="position:fixed;right:16px;bottom:16px;z-index:1000;display:flex;gap:8px;font:14px system-ui,sans-serif">${links
    .map(
      ([href, label]) =>
        `<a href="${href}" style="background:#3040d6;color:#fff;padding:8px 12px;border-radius:16px;text-decoration:none;box-shadow:0 2px 8px #0003">${label}</a>`,
    )
    .join('')}</nav>`;
}
