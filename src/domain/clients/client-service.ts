/**
 * Clients as the edges use them: one object bound to a database handle (atproto's "service per
 * handle"), whose methods are the top-level use cases. Writes open their transaction with
 * `inTransaction`, which joins the caller's when the service is bound to one with `on(tx)`; the
 * work itself is in client-commands (changes), client-queries (reads) and client-rows
 * (encryption and blind indexes). The only way in and out of the clients table.
 */
import type { Crypto } from '../../crypto/crypto.js';
import type { Logger } from '../../logger.js';
import type { Actor } from '../actor.js';
import type { ListRead } from '../audit/audit-log.js';
import type { Clock } from '../shared/clock.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import {
  type ClientDeps,
  createClient,
  eraseClient,
  setBotBlocked,
  updateClient,
  validateClientInput,
} from './client-commands.js';
import {
  birthdayCelebrants,
  clientById,
  clientByTelegramId,
  clientIdentityOfTelegramUser,
  clientsByBirthday,
  clientsById,
  clientsByName,
  clientsByPhone,
  countClients,
  listClients,
  marketingAudience,
  readClientCard,
  recordClientListRead,
} from './client-queries.js';
import type { Client, ClientInput } from './client-rows.js';

export type { Birthday, Client, ClientInput } from './client-rows.js';

export interface ClientServiceDeps {
  db: Db;
  crypto: Crypto;
  logger: Logger;
  /** The runtime's one clock. */
  clock: Clock;
}

export class ClientService {
  private readonly db: Db;
  private readonly deps: ClientDeps;
  private readonly logger: Logger;

  constructor(deps: ClientServiceDeps) {
    this.db = deps.db;
    this.deps = { crypto: deps.crypto, clock: deps.clock };
    this.logger = deps.logger.child({ module: 'clients' });
  }

  /** The same service over another handle, to compose into a transaction the caller opened. */
  on(db: Db): ClientService {
    return new ClientService({ ...this.deps, db, logger: this.logger });
  }

  /** The runtime's clock, for callers that check clients' input as this service would. */
  now(): Date {
    return this.deps.clock();
  }

  async create(input: ClientInput, actor: Actor): Promise<Client> {
    const client = await inTransaction(this.db, (tx) => createClient(tx, this.deps, input, actor));
    this.logger.info({ clientId: client.id }, 'client created');
    return client;
  }

  async update(id: string, patch: ClientInput, actor: Actor): Promise<Client> {
    const client = await inTransaction(this.db, (tx) =>
      updateClient(tx, this.deps, id, patch, actor),
    );
    this.logger.info({ clientId: id }, 'client updated');
    return client;
  }

  async erase(id: string, actor: Actor): Promise<void> {
    await inTransaction(this.db, (tx) => eraseClient(tx, id, actor));
    this.logger.info({ clientId: id }, 'client erased');
  }

  setBotBlocked(telegramUserId: number, blocked: boolean): Promise<void> {
    return setBotBlocked(this.db, telegramUserId, blocked);
  }

  /** Checks an input exactly as create (or update) would, without writing anything. */
  validate(input: ClientInput, creating = true): void {
    validateClientInput(this.deps, input, creating);
  }

  /** Reads one client card; the read is audited because it shows personal data. */
  get(id: string, actor: Actor): Promise<Client | null> {
    return readClientCard(this.db, this.deps.crypto, id, actor);
  }

  /** Audits a page of clients that a list or search showed to someone (no values). */
  recordListRead(actor: Actor, read: ListRead): Promise<void> {
    return recordClientListRead(this.db, actor, read);
  }

  /** A client for a list or search result: the caller audits the page (recordListRead). */
  findById(id: string): Promise<Client | null> {
    return clientById(this.db, this.deps.crypto, id);
  }

  findManyById(ids: readonly string[]): Promise<Map<string, Client>> {
    return clientsById(this.db, this.deps.crypto, ids);
  }

  getByTelegramId(telegramUserId: number): Promise<Client | null> {
    return clientByTelegramId(this.db, this.deps.crypto, telegramUserId);
  }

  identityOfTelegramUser(telegramUserId: number): Promise<{ id: string; locale: string } | null> {
    return clientIdentityOfTelegramUser(this.db, telegramUserId);
  }

  findByPhone(rawPhone: string): Promise<Client[]> {
    return clientsByPhone(this.db, this.deps.crypto, rawPhone);
  }

  findByName(query: string): Promise<Client[]> {
    return clientsByName(this.db, this.deps.crypto, query);
  }

  findByBirthday(month: number, day: number): Promise<Client[]> {
    return clientsByBirthday(this.db, this.deps.crypto, month, day);
  }

  birthdayCelebrants(dates: { month: number; day: number }[]): Promise<Client[]> {
    return birthdayCelebrants(this.db, this.deps.crypto, dates);
  }

  marketingAudience(
    afterId: string | null,
    limit: number,
    options: { tags?: readonly string[] } = {},
  ): Promise<Client[]> {
    return marketingAudience(this.db, this.deps.crypto, { afterId, limit, ...options });
  }

  list(options: { limit: number; offset: number }): Promise<Client[]> {
    return listClients(this.db, this.deps.crypto, options);
  }

  count(): Promise<number> {
    return countClients(this.db);
  }
}
