import { randomUUID } from 'node:crypto';
import type { Crypto } from '../../crypto/crypto.js';
import { recordAudit } from '../audit/audit-log.js';
import { cleanText } from '../clients/normalise.js';
import { InvalidInputError } from '../errors.js';
import { type Db, inTransaction } from '../shared/transaction.js';

export const MAX_MESSAGE_LENGTH = 1000;

export interface ClientMessage {
  id: string;
  telegramUserId: number;
  clientId: string | null;
  body: string;
  createdAt: Date;
}

function place(id: string) {
  return { table: 'client_messages', column: 'body_enc', rowId: id };
}

/** Messages people write to the salon from the bot; stored encrypted, read in the panel. */
export class ClientMessages {
  constructor(
    private readonly db: Db,
    private readonly crypto: Crypto,
  ) {}

  async submit(input: {
    telegramUserId: number;
    clientId: string | null;
    body: string;
  }): Promise<string> {
    const body = cleanText('body', input.body, MAX_MESSAGE_LENGTH);
    if (body === '') throw new InvalidInputError('body', 'required');
    const id = randomUUID();
    await inTransaction(this.db, async (tx) => {
      await tx
        .insertInto('client_messages')
        .values({
          id,
          telegram_user_id: input.telegramUserId,
          client_id: input.clientId,
          body_enc: this.crypto.encryptSystem(place(id), body),
        })
        .execute();
      await recordAudit(
        tx,
        { type: 'client', id: input.clientId ?? `tg:${input.telegramUserId}` },
        {
          action: 'create',
          entity: 'client_message',
          entityId: id,
          details: { length: body.length },
        },
      );
    });
    return id;
  }

  async latest(limit = 50, clientId?: string): Promise<ClientMessage[]> {
    let query = this.db
      .selectFrom('client_messages')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(limit);
    if (clientId) query = query.where('client_id', '=', clientId);
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.id,
      telegramUserId: Number(r.telegram_user_id),
      clientId: r.client_id,
      body: this.crypto.decryptSystem(place(r.id), r.body_enc),
      createdAt: r.created_at,
    }));
  }
}
