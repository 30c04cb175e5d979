import type { Actor } from '../actor.js';
import { InvalidInputError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import type { NoticeDeps } from '../shared/notice.js';
import type { Db } from '../shared/transaction.js';
import { type Booked, type BookingInput, bookVisit } from './book-visit.js';
import { bookableServices } from './bookable-services.js';
import { findOffers, mastersFor, type OfferOptions } from './offers.js';

export { type Booked, type BookingInput, SlotTakenError } from './book-visit.js';
export type { BookableServices } from './bookable-services.js';
export type { Offer } from './offers.js';

/**
 * Booking for clients (bot) and staff (walk-ins and phone calls in the panel), over the pool:
 * free times from the masters' schedules, and booking that the database guarantees against
 * double booking. The master hears about each new visit through the outbox, in the same
 * transaction. Code inside a transaction calls offers.ts and book-visit.ts with its handle.
 */
export class BookingService {
  constructor(
    private readonly db: Db,
    private readonly deps: NoticeDeps & { clock: Clock },
  ) {}

  /** What a client can book: active branches, and the services someone performs there. */
  bookableServices() {
    return bookableServices(this.db);
  }

  /** Masters who perform a service, with their own price and duration where they have one. */
  mastersFor(serviceId: string) {
    return mastersFor(this.db, serviceId);
  }

  /** Free start times within the booking window for one master, or for any master when null. */
  offers(
    serviceId: string,
    masterId: string | null,
    now = this.deps.clock(),
    window?: { from: Date; to: Date },
    options: OfferOptions = {},
  ) {
    return findOffers(this.db, serviceId, masterId, now, window, options);
  }

  book(input: BookingInput, actor: Actor, now = this.deps.clock()): Promise<Booked> {
    return bookVisit(this.db, this.deps, input, actor, now);
  }

  /**
   * Walk-ins and phone bookings from the panel: no minimum lead time, recorded as the staff
   * member's, with the same no-overlap guarantee as the bot.
   */
  async bookForStaff(
    input: Omit<BookingInput, 'channel' | 'createdByStaffId'>,
    actor: Actor,
    now = this.deps.clock(),
  ): Promise<Booked> {
    if (actor.type !== 'staff' || !actor.id) throw new InvalidInputError('actor', 'staff-only');
    return this.book({ ...input, channel: 'panel', createdByStaffId: actor.id }, actor, now);
  }
}
