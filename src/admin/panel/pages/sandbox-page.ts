import type { AdminPage } from 'adminjs';
import { Components } from '../components/loader.js';
import { type PageContext, type PageRequest, pageUser } from './page-input.js';

export const SANDBOX_PAGE = 'sandbox';

/**
 * The Telegram sandbox in the sidebar (only without BOT_TOKEN, when the sandbox runs): its chat
 * is the page's component; the chat's JSON API and its live updates are the routes of
 * src/sandbox/sandbox-routes.ts, at `api`.
 */
export function sandboxPage(api: string): AdminPage {
  return {
    component: Components.Sandbox,
    icon: 'MessageCircle',
    handler: async (request: PageRequest, _reply: unknown, context: PageContext) => {
      const user = pageUser(SANDBOX_PAGE, request, context);
      return { api, language: user.locale === 'en' ? 'en' : 'ru' };
    },
  };
}
