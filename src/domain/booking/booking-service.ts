import { type Kysely, sql, type Transaction } from 'kysely';
import { DateTime } from 'luxon';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { DomainError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Translate } from '../messages/translate.js';
import { enqueueMessage } from '../outbox/outbox.js';
import { getSetting } from '../settings.js';
import { type DayException, freeSlots, type LocalInterval } from './free-slots.js';

/** The chosen time was taken by someone else a moment ago (the exclusion constraint said so). */
export class SlotTakenError extends DomainError {
  override name = 'SlotTakenError';
  constructor() {
    super('this time was just taken');
  }
}

export interface Offer {
  masterId: string;
  masterName: string;
  serviceId: string;
  startsAt: Date;
  durationMin: number;
  bufferMin: number;
  price: string;
  timeZone: string;
  branchId: string;
}

export interface BookingInput {
  clientId: string | null;
  serviceId: string;
  /** null: any master who performs the service and is free then. */
  masterId: string | null;
  startsAt: Date;
  channel: 'bot' | 'panel';
  createdByStaffId?: string | null;
  discountPct?: number;
}

export interface Booked {
  id: string;
  masterId: string;
  startsAt: Date;
  endsAt: Date;
  price: string;
  timeZone: string;
}

type Db = Kysely<Database> | Transaction<Database>;

const hhmm = (t: string) => t.slice(0, 5);

/**
 * Booking for clients (bot) and staff (walk-ins and phone calls in the panel): free times from
 * the masters' schedules, and booking that the database guarantees against double booking.
 * The master hears about each new visit through the outbox, in the same transaction.
 */
export class BookingService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly crypto: Crypto,
    private readonly translate: Translate,
  ) {}

  /** Masters who perform a service, with their own price and duration where they have one. */
  async mastersFor(serviceId: string, db: Db = this.db) {
    return db
      .selectFrom('master_services as ms')
      .innerJoin('masters as m', 'm.id', 'ms.master_id')
      .innerJoin('services as s', 's.id', 'ms.service_id')
      .innerJoin('branches as b', 'b.id', 'm.branch_id')
      .select([
        'm.id as masterId',
        'm.display_name as masterName',
        'm.branch_id as branchId',
        'b.time_zone as timeZone',
        sql<number>`coalesce(ms.duration_min, s.duration_min)`.as('durationMin'),
        's.buffer_min as bufferMin',
        sql<string>`coalesce(ms.price, s.price)`.as('price'),
      ])
      .where('ms.service_id', '=', serviceId)
      .where('m.active', '=', true)
      .where('s.active', '=', true)
      .orderBy('m.display_name')
      .execute();
  }

  /** Free start times within the booking window for one master, or for any master when null. */
  async offers(
    serviceId: string,
    masterId: string | null,
    now = new Date(),
    window?: { from: Date; to: Date },
    options: { leadTime?: boolean } = {},
  ): Promise<Offer[]> {
    const [horizonDays, leadMinutes, stepMinutes] = await Promise.all([
      getSetting(this.db, 'booking.horizon_days'),
      getSetting(this.db, 'booking.lead_minutes'),
      getSetting(this.db, 'booking.step_minutes'),
    ]);
    // Staff booking a walk-in at the desk are not held to the clients' minimum lead time.
    const earliest = new Date(
      now.getTime() + (options.leadTime === false ? 0 : leadMinutes) * 60_000,
    );
    const latest = new Date(now.getTime() + horizonDays * 86_400_000);
    const from = window && window.from > earliest ? window.from : earliest;
    const to = window && window.to < latest ? window.to : latest;
    if (to < from) return [];
    const masters = (await this.mastersFor(serviceId)).filter(
      (m) => masterId === null || m.masterId === masterId,
    );
    if (masters.length === 0) return [];
    const ids = masters.map((m) => m.masterId);
    const [hours, exceptions, busy] = await Promise.all([
      this.db.selectFrom('working_hours').selectAll().where('master_id', 'in', ids).execute(),
      this.db
        .selectFrom('schedule_exceptions')
        .selectAll()
        .where('master_id', 'in', ids)
        .where('day', '>=', DateTime.fromJSDate(from).minus({ days: 1 }).toISODate() ?? '')
        .where('day', '<=', DateTime.fromJSDate(to).plus({ days: 1 }).toISODate() ?? '')
        .execute(),
      this.db
        .selectFrom('appointments')
        .select(['master_id', 'starts_at', 'blocked_until'])
        .where('master_id', 'in', ids)
        .where('status', 'in', ['booked', 'confirmed'])
        .where('blocked_until', '>', new Date(from.getTime() - 86_400_000))
        .where('starts_at', '<', new Date(to.getTime() + 86_400_000))
        .execute(),
    ]);
    const offers: Offer[] = [];
    for (const m of masters) {
      const days = new Map<string, LocalInterval[]>();
      for (const e of exceptions.filter((x) => x.master_id === m.masterId)) {
        const list = days.get(e.day) ?? [];
        if (e.kind === 'hours' && e.starts && e.ends)
          list.push({ start: hhmm(e.starts), end: hhmm(e.ends) });
        days.set(e.day, list);
      }
      const dayExceptions: DayException[] = [...days].map(([day, list]) => ({ day, hours: list }));
      const slots = freeSlots({
        timeZone: m.timeZone,
        from,
        to,
        durationMin: Number(m.durationMin),
        bufferMin: m.bufferMin,
        stepMin: stepMinutes,
        weekly: hours
          .filter((h) => h.master_id === m.masterId)
          .map((h) => ({ weekday: h.weekday, start: hhmm(h.starts), end: hhmm(h.ends) })),
        exceptions: dayExceptions,
        busy: busy
          .filter((b) => b.master_id === m.masterId)
          .map((b) => ({ start: b.starts_at, end: b.blocked_until })),
      });
      for (const startsAt of slots) {
        offers.push({
          ...m,
          serviceId,
          startsAt,
          durationMin: Number(m.durationMin),
          price: String(m.price),
        });
      }
    }
    return offers.sort(
      (a, b) =>
        a.startsAt.getTime() - b.startsAt.getTime() || a.masterName.localeCompare(b.masterName),
    );
  }

  /**
   * Books a visit. The time must be one the schedules offer; the exclusion constraint decides
   * races, and a lost race is a SlotTakenError the caller answers with fresh times.
   */
  async book(input: BookingInput, actor: Actor, now = new Date()): Promise<Booked> {
    const day = {
      from: new Date(input.startsAt.getTime() - 1),
      to: new Date(input.startsAt.getTime() + 1),
    };
    const leadTime = input.channel === 'bot';
    const candidates = (
      await this.offers(input.serviceId, input.masterId, now, day, { leadTime })
    ).filter((o) => o.startsAt.getTime() === input.startsAt.getTime());
    if (candidates.length === 0) {
      const exists = await this.db
        .selectFrom('services')
        .select('id')
        .where('id', '=', input.serviceId)
        .executeTakeFirst();
      if (!exists) throw new NotFoundError('service');
      throw new SlotTakenError();
    }
    for (const offer of candidates) {
      try {
        return await this.insert(offer, input, actor);
      } catch (err) {
        if ((err as { code?: string }).code !== '23P01') throw err;
      }
    }
    throw new SlotTakenError();
  }

  private async insert(offer: Offer, input: BookingInput, actor: Actor): Promise<Booked> {
    const discount = input.discountPct ?? 0;
    if (!(discount >= 0 && discount <= 100)) throw new InvalidInputError('discountPct', 'invalid');
    const endsAt = new Date(offer.startsAt.getTime() + offer.durationMin * 60_000);
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('appointments')
        .values({
          branch_id: offer.branchId,
          master_id: offer.masterId,
          service_id: offer.serviceId,
          client_id: input.clientId,
          starts_at: offer.startsAt,
          ends_at: endsAt,
          blocked_until: new Date(endsAt.getTime() + offer.bufferMin * 60_000),
          price: offer.price,
          discount_pct: discount,
          channel: input.channel,
          created_by_staff_id: input.createdByStaffId ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'book',
        entity: 'appointment',
        entityId: row.id,
        details: { channel: input.channel },
      });
      await this.notifyMaster(tx, row.id, offer);
      return {
        id: row.id,
        masterId: offer.masterId,
        startsAt: offer.startsAt,
        endsAt,
        price: offer.price,
        timeZone: offer.timeZone,
      };
    });
  }

  private async notifyMaster(
    tx: Transaction<Database>,
    appointmentId: string,
    offer: Offer,
  ): Promise<void> {
    const master = await tx
      .selectFrom('masters as m')
      .innerJoin('staff_users as u', 'u.id', 'm.staff_user_id')
      .innerJoin('services as s', (j) => j.on('s.id', '=', offer.serviceId))
      .select(['u.telegram_user_id', 'u.locale', 's.name as service'])
      .where('m.id', '=', offer.masterId)
      .executeTakeFirst();
    if (!master?.telegram_user_id) return;
    const when = DateTime.fromJSDate(offer.startsAt, { zone: offer.timeZone })
      .setLocale(master.locale === 'en' ? 'en-GB' : 'ru')
      .toFormat('ccc d LLL, HH:mm');
    await enqueueMessage(tx, this.crypto, {
      dedupeKey: `visit-new:${appointmentId}`,
      chatId: Number(master.telegram_user_id),
      clientId: null,
      kind: 'visit-new',
      message: {
        text: this.translate(master.locale, 'master-visit-new', { when, service: master.service }),
      },
    });
  }
}
