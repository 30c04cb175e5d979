import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Birthday, Client, ClientService } from '../clients/client-service.js';
import { normalisePhone } from '../clients/normalise.js';
import { DomainError } from '../errors.js';
import type { Attribution, ReferralService } from '../referrals/referral-service.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import { recordConsents } from './consents.js';

/** The phone already belongs to a client linked to another Telegram account. */
export class PhoneTakenError extends DomainError {
  override name = 'PhoneTakenError';
  constructor() {
    super('phone linked to another Telegram account');
  }
}

export interface RegistrationInput {
  telegramUserId: number;
  phone: string;
  name: string;
  birthday: Birthday | null;
  locale: string;
  healthDataConsent: boolean;
  marketingConsent: boolean;
  sourceId: string | null;
  referralCode: string | null;
}

export interface RegistrationResult {
  client: Client;
  outcome: 'created' | 'linked' | 'already-registered';
  referral: Attribution | null;
}

/**
 * Turns a Telegram user into a client: a phone already in the base (imported, or entered by
 * staff) is linked rather than duplicated; referral links count only for people new to the
 * salon. Consent to processing personal data is a precondition, recorded with its version.
 */
export class RegistrationService {
  constructor(
    private readonly db: Db,
    private readonly clients: ClientService,
    private readonly referrals: ReferralService,
  ) {}

  async register(input: RegistrationInput): Promise<RegistrationResult> {
    const actor: Actor = { type: 'client', id: `tg:${input.telegramUserId}` };
    const already = await this.clients.getByTelegramId(input.telegramUserId);
    if (already) return { client: already, outcome: 'already-registered', referral: null };
    const phone = normalisePhone(input.phone);
    const consents = [
      { purpose: 'personal_data' as const, granted: true },
      { purpose: 'health_data' as const, granted: input.healthDataConsent },
      { purpose: 'marketing' as const, granted: input.marketingConsent },
    ];
    const [known] = await this.clients.findByPhone(phone);
    try {
      if (known) {
        if (known.telegramUserId !== null && known.telegramUserId !== input.telegramUserId)
          throw new PhoneTakenError();
        await inTransaction(this.db, async (tx) => {
          await this.clients
            .on(tx)
            .update(
              known.id,
              { telegramUserId: input.telegramUserId, locale: input.locale },
              actor,
            );
          await recordConsents(tx, known.id, consents, 'telegram');
          await recordAudit(tx, actor, {
            action: 'link_telegram',
            entity: 'client',
            entityId: known.id,
          });
        });
        const client = await this.clients.getByTelegramId(input.telegramUserId);
        if (!client) throw new DomainError('linked client vanished');
        return { client, outcome: 'linked', referral: null };
      }
      return await inTransaction(this.db, async (tx) => {
        const client = await this.clients.on(tx).create(
          {
            name: input.name,
            phone,
            birthday: input.birthday,
            locale: input.locale,
            telegramUserId: input.telegramUserId,
            sourceId: input.sourceId,
          },
          actor,
        );
        await recordConsents(tx, client.id, consents, 'telegram');
        const referral = input.referralCode
          ? await this.referrals.attribute(tx, client.id, input.referralCode)
          : null;
        const referrerId = referral && 'referrerId' in referral ? referral.referrerId : null;
        return { client: { ...client, referrerId }, outcome: 'created' as const, referral };
      });
    } catch (err) {
      // Two registrations of one Telegram account at once: the unique index lets one through.
      if ((err as { code?: string }).code === '23505') {
        const client = await this.clients.getByTelegramId(input.telegramUserId);
        if (client) return { client, outcome: 'already-registered', referral: null };
      }
      throw err;
    }
  }
}
