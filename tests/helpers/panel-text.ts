import { panelTranslate } from '../../src/admin/panel/locales/index.js';

/** A notice or message key as the panel shows it: AdminJS's translateMessage over our locale. */
export function panelText(
  said: { message?: string; resourceId?: string; options?: object } | string | undefined,
  locale = 'en',
): string {
  const n = typeof said === 'string' ? { message: said } : (said ?? {});
  return panelTranslate(locale).translateMessage(n.message ?? '', n.resourceId, n.options);
}
