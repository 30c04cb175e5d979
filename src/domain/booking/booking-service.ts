import { type Kysely, sql, type Transaction } from 'kysely';
import { DateTime } from 'luxon';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { DomainError, InvalidInputError, NotFoundError } from '../errors.js';
import type { LoyaltyService } from '../loyalty/loyalty-service.js';
import type { Translate } from '../messages/translate.js';
import { getSettings } from '../settings.js';
import { noticeToMaster } from '../visits/visit-notices.js';
import { loadVisit } from '../visits/visit-view.js';
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

export interface Catalogue {
  branches: { id: string; name: string; timeZone: string }[];
  services: {
    id: string;
    name: string;
    category: string;
    durationMin: number;
    price: string;
    branchIds: string[];
  }[];
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
  /** The coupon shown at confirmation, held for this visit and redeemed at completion. */
  couponId?: string | null;
  /** The loyalty rules the discount was computed under. */
  rulesVersion?: number | null;
  /** Limits "any master" to one branch. */
  branchId?: string;
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
    private readonly loyalty: LoyaltyService,
  ) {}

  /**
   * What a client can book: active branches, and the active services someone performs there,
   * with the branches each is offered in.
   */
  async catalogue(): Promise<Catalogue> {
    const rows = await this.db
      .selectFrom('services as s')
      .innerJoin('master_services as ms', 'ms.service_id', 's.id')
      .innerJoin('masters as m', 'm.id', 'ms.master_id')
      .innerJoin('branches as b', 'b.id', 'm.branch_id')
      .select([
        's.id',
        's.name',
        's.category',
        's.duration_min',
        's.price',
        'b.id as branchId',
        'b.name as branchName',
        'b.time_zone',
      ])
      .where('s.active', '=', true)
      .where('m.active', '=', true)
      .where('b.active', '=', true)
      .where((eb) => eb.or([eb('s.branch_id', 'is', null), eb('s.branch_id', '=', eb.ref('b.id'))]))
      .orderBy('b.name')
      .orderBy('s.category')
      .orderBy('s.name')
      .execute();
    const branches = new Map<string, Catalogue['branches'][number]>();
    const services = new Map<string, Catalogue['services'][number]>();
    for (const r of rows) {
      branches.set(r.branchId, { id: r.branchId, name: r.branchName, timeZone: r.time_zone });
      const service = services.get(r.id) ?? {
        id: r.id,
        name: r.name,
        category: r.category,
        durationMin: r.duration_min,
        price: String(r.price),
        branchIds: [],
      };
      if (!service.branchIds.includes(r.branchId)) service.branchIds.push(r.branchId);
      services.set(r.id, service);
    }
    return { branches: [...branches.values()], services: [...services.values()] };
  }

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
    options: { leadTime?: boolean; excludeVisit?: string; branchId?: string } = {},
  ): Promise<Offer[]> {
    // Two round trips: settings with the masters, then their schedules and visits.
    const [settings, allMasters] = await Promise.all([
      getSettings(this.db, [
        'booking.horizon_days',
        'booking.lead_minutes',
        'booking.step_minutes',
      ]),
      this.mastersFor(serviceId),
    ]);
    const horizonDays = settings['booking.horizon_days'];
    const leadMinutes = settings['booking.lead_minutes'];
    const stepMinutes = settings['booking.step_minutes'];
    // Staff booking a walk-in at the desk are not held to the clients' minimum lead time.
    const earliest = new Date(
      now.getTime() + (options.leadTime === false ? 0 : leadMinutes) * 60_000,
    );
    const latest = new Date(now.getTime() + horizonDays * 86_400_000);
    const from = window && window.from > earliest ? window.from : earliest;
    const to = window && window.to < latest ? window.to : latest;
    if (to < from) return [];
    const masters = allMasters.filter(
      (m) =>
        (masterId === null || m.masterId === masterId) &&
        (options.branchId === undefined || m.branchId === options.branchId),
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
        // A visit being moved does not stand in its own way.
        .$if(options.excludeVisit !== undefined, (q) =>
          q.where('id', '!=', options.excludeVisit ?? ''),
        )
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
    // Masters come sorted by name; a stable sort by time keeps that order within a time.
    return offers.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
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
      await this.offers(input.serviceId, input.masterId, now, day, {
        leadTime,
        ...(input.branchId ? { branchId: input.branchId } : {}),
      })
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
        return await this.insert(offer, input, actor, now);
      } catch (err) {
        if ((err as { code?: string }).code !== '23P01') throw err;
      }
    }
    throw new SlotTakenError();
  }

  /**
   * Walk-ins and phone bookings from the panel: no minimum lead time, recorded as the staff
   * member's, with the same no-overlap guarantee as the bot.
   */
  async bookForStaff(
    input: Omit<BookingInput, 'channel' | 'createdByStaffId'>,
    actor: Actor,
    now = new Date(),
  ): Promise<Booked> {
    if (actor.type !== 'staff' || !actor.id) throw new InvalidInputError('actor', 'staff-only');
    return this.book({ ...input, channel: 'panel', createdByStaffId: actor.id }, actor, now);
  }

  private async insert(
    offer: Offer,
    input: BookingInput,
    actor: Actor,
    now: Date,
  ): Promise<Booked> {
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
          coupon_id: input.couponId ?? null,
          rules_version: input.rulesVersion ?? null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (input.couponId) await this.loyalty.reserveCoupon(tx, input.couponId, row.id);
      await recordAudit(tx, actor, {
        action: 'book',
        entity: 'appointment',
        entityId: row.id,
        details: { channel: input.channel },
      });
      const visit = await loadVisit(tx, row.id);
      if (visit) await noticeToMaster(tx, this.crypto, this.translate, visit, 'new');
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
}
