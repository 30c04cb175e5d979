import { sql } from 'kysely';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import { isValidCardNumber, newCardNumber } from './card-number.js';

/** Loyalty cards (L5): one active card per client, reissued free; an old number stops working. */
export class CardService {
  constructor(private readonly db: Db) {}

  /** The client's active card, issuing one on first request. */
  async activeCard(clientId: string): Promise<string> {
    const current = await this.db
      .selectFrom('loyalty_cards')
      .select('number')
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (current) return current.number;
    return this.issue(clientId, { type: 'client', id: clientId });
  }

  /** Revokes the active card and issues a new number, in one transaction. */
  async reissue(clientId: string, actor: Actor): Promise<string> {
    return this.issue(clientId, actor, true);
  }

  private async issue(clientId: string, actor: Actor, revoke = false): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const number = newCardNumber();
      try {
        return await inTransaction(this.db, async (tx) => {
          // Serialises issuing per client, so two taps never leave two active cards.
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`card:${clientId}`}))`.execute(tx);
          if (!revoke) {
            const existing = await tx
              .selectFrom('loyalty_cards')
              .select('number')
              .where('client_id', '=', clientId)
              .where('revoked_at', 'is', null)
              .executeTakeFirst();
            if (existing) return existing.number;
          }
          await tx
            .updateTable('loyalty_cards')
            .set({ revoked_at: sql`now()` })
            .where('client_id', '=', clientId)
            .where('revoked_at', 'is', null)
            .execute();
          await tx.insertInto('loyalty_cards').values({ number, client_id: clientId }).execute();
          await recordAudit(tx, actor, {
            action: revoke ? 'reissue_card' : 'issue_card',
            entity: 'client',
            entityId: clientId,
          });
          return number;
        });
      } catch (err) {
        // A random number already taken: draw another.
        if ((err as { code?: string; constraint?: string }).constraint !== 'loyalty_cards_pkey')
          throw err;
      }
    }
    throw new Error('could not draw a free card number');
  }

  /** The client holding an active card with this number; revoked and mistyped numbers find no one. */
  async clientByCard(number: string): Promise<string | null> {
    const digits = number.replace(/[\s-]/g, '');
    if (!isValidCardNumber(digits)) return null;
    const row = await this.db
      .selectFrom('loyalty_cards')
      .innerJoin('clients', 'clients.id', 'loyalty_cards.client_id')
      .select('loyalty_cards.client_id')
      .where('loyalty_cards.number', '=', digits)
      .where('loyalty_cards.revoked_at', 'is', null)
      .where('clients.erased_at', 'is', null)
      .executeTakeFirst();
    return row?.client_id ?? null;
  }
}
