import type { Kysely } from 'kysely';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import type { ClientService } from '../domain/clients/client-service.js';
import { isLocale, type Locale } from './context.js';
import {
  conversationKey,
  createConversationStore,
  type StoredValueStore,
} from './conversations/conversation-store.js';

const LOCALE_TTL_MS = 60_000;
const LOCALE_CACHE_SIZE = 50_000;

interface Preferences {
  locale?: Locale;
}

/**
 * The language a Telegram user chose: stored on the client record once they are a client,
 * and before that in the (encrypted) per-chat preferences.
 */
export class UserPreferences {
  private readonly store: StoredValueStore<Preferences>;
  /**
   * Every update needs the user's language; asking the database each time costs a third of the
   * bot's throughput. Kept briefly: another replica's change shows here within LOCALE_TTL_MS.
   */
  private readonly cache = new Map<number, { locale: Locale | undefined; until: number }>();

  constructor(
    db: Kysely<Database>,
    crypto: Crypto,
    private readonly clients: ClientService,
  ) {
    this.store = createConversationStore<Preferences>(db, crypto);
  }

  async localeOf(userId: number): Promise<Locale | undefined> {
    const cached = this.cache.get(userId);
    if (cached && cached.until > Date.now()) return cached.locale;
    const locale = await this.lookUp(userId);
    if (this.cache.size >= LOCALE_CACHE_SIZE) this.cache.clear();
    this.cache.set(userId, { locale, until: Date.now() + LOCALE_TTL_MS });
    return locale;
  }

  private async lookUp(userId: number): Promise<Locale | undefined> {
    const client = await this.clients.identityOfTelegramUser(userId);
    if (client && isLocale(client.locale)) return client.locale;
    const prefs = await this.store.read(conversationKey(userId, 'prefs'));
    return prefs?.locale;
  }

  async setLocale(userId: number, locale: Locale): Promise<void> {
    this.cache.delete(userId);
    const client = await this.clients.identityOfTelegramUser(userId);
    if (client) {
      await this.clients.update(client.id, { locale }, { type: 'client', id: client.id });
    } else {
      await this.store.write(conversationKey(userId, 'prefs'), { locale });
    }
  }
}
