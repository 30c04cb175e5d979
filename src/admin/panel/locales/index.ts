/**
 * The panel's one dictionary: AdminJS's own keys (base) plus one file per screen in `screens/`,
 * each exporting `{ ru, en }` with the same keys. A screen's component reads its texts through
 * AdminJS's `useTranslation()`; its server handler through `translateMessage`.
 * Add a screen's texts: one file in `screens/`, one line in SCREENS.
 */
import { createFunctions } from 'adminjs';
import i18next from 'i18next';
import { en as baseEn, ru as baseRu } from './ru.js';
import { booking } from './screens/booking.js';
import { clientCard } from './screens/client-card.js';
import { clientDataExport } from './screens/client-data-export.js';
import { completeVisit } from './screens/complete-visit.js';
import { exportList } from './screens/export-list.js';
import { feedback } from './screens/feedback.js';
import { importClients } from './screens/import-clients.js';
import { loyalty } from './screens/loyalty.js';
import { mergeClients } from './screens/merge-clients.js';
import { notices } from './screens/notices.js';
import { pageForm } from './screens/page-form.js';
import { password } from './screens/password.js';
import { sandbox } from './screens/sandbox.js';
import { stats } from './screens/stats.js';
import { templates } from './screens/templates.js';
import { today } from './screens/today.js';

type Tree = { [key: string]: string | Tree };
export interface ScreenTexts {
  ru: Tree;
  en: Tree;
}

const SCREENS: ScreenTexts[] = [
  pageForm,
  booking,
  stats,
  loyalty,
  templates,
  sandbox,
  completeVisit,
  mergeClients,
  clientDataExport,
  importClients,
  exportList,
  clientCard,
  notices,
  password,
  feedback,
  today,
];

function merge(into: Tree, from: Tree): Tree {
  const out: Tree = { ...into };
  for (const [key, value] of Object.entries(from)) {
    const current = out[key];
    out[key] =
      typeof value === 'object' && typeof current === 'object' ? merge(current, value) : value;
  }
  return out;
}

export const ru = SCREENS.reduce((acc, s) => merge(acc, s.ru), baseRu as Tree) as typeof baseRu;
export const en = SCREENS.reduce((acc, s) => merge(acc, s.en), baseEn as Tree) as typeof baseEn;

/** AdminJS's translate functions on the server, for what is rendered there (the password page). */
export type PanelTranslate = ReturnType<typeof createFunctions>;

const translators = new Map<'ru' | 'en', PanelTranslate>();

/**
 * The same dictionary and the same lookup as the browser's `useTranslation()` (AdminJS's
 * `createFunctions` over i18next), in the staff member's language; Russian unless 'en'.
 */
export function panelTranslate(locale: string | undefined): PanelTranslate {
  const lng = locale === 'en' ? 'en' : 'ru';
  const known = translators.get(lng);
  if (known) return known;
  const i18n = i18next.createInstance();
  void i18n.init({
    lng,
    fallbackLng: 'ru',
    initImmediate: false,
    interpolation: { escapeValue: false },
    resources: { ru: { translation: ru }, en: { translation: en } },
  });
  const made = createFunctions(i18n);
  translators.set(lng, made);
  return made;
}
