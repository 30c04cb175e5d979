import { DateTime } from 'luxon';
import type { BookableServices } from '../../../domain/booking/booking-service.js';
import type { BotServices } from '../../context.js';
import type { Kit } from '../kit/kit.js';

/** A new booking, or moving the client's visit `visitId` to another time. */
export interface BookingStart {
  visitId: string | null;
}

/** The visit being moved, as plain replayable facts. */
export interface Moving {
  id: string;
  serviceId: string;
  service: string;
  masterId: string;
  master: string;
  branchId: string;
  timeZone: string;
  startsAt: number;
}

/** Plain, serialisable facts the booking gathers step by step (rebuilt on every replay). */
export interface Draft {
  clientId: string;
  branchId: string;
  timeZone: string;
  category: string;
  serviceId: string;
  serviceName: string;
  /** null: any master. */
  masterId: string | null;
  masterName: string;
  /** Local day `YYYY-MM-DD`. */
  day: string;
  /** Epoch ms; 0 until a time is chosen. */
  startsAt: number;
}

/** What every booking step works on. */
export interface Booking {
  kit: Kit;
  services: BotServices;
  locale: string;
  catalogue: BookableServices;
  moving: Moving | null;
  /** The moved visit's discount (a move keeps it). */
  discount: number;
  draft: Draft;
  /**
   * Whether each step asked something when it last ran (a step with one choice takes it and
   * asks nothing): a step offers Back only when an earlier one asked.
   */
  asked: Map<BookingStepName, boolean>;
}

export type BookingStepName = 'branch' | 'category' | 'service' | 'master';

/** Whether any of the earlier steps asked (so Back has somewhere to go). */
export function askedBefore(b: Booking, ...steps: BookingStepName[]): boolean {
  return steps.some((s) => b.asked.get(s) === true);
}

/** Free start times (epoch ms) from now on, optionally within one local day. */
export function freeTimes(b: Booking, day?: string): Promise<number[]> {
  const { draft, moving, services } = b;
  return b.kit.conversation.external(async () => {
    const from = day ? DateTime.fromISO(day, { zone: draft.timeZone }) : undefined;
    const window = from
      ? { from: from.toJSDate(), to: from.plus({ days: 1 }).toJSDate() }
      : undefined;
    const offers = await services.booking.offers(
      draft.serviceId,
      draft.masterId,
      services.clock(),
      window,
      { branchId: draft.branchId, ...(moving ? { excludeVisit: moving.id } : {}) },
    );
    return [...new Set(offers.map((o) => o.startsAt.getTime()))].sort((a, c) => a - c);
  });
}

export function localDay(b: Booking, ms: number): string {
  return DateTime.fromMillis(ms, { zone: b.draft.timeZone }).toISODate() ?? '';
}

/** Luxon's locale for dates shown to this user. */
export function dateLocale(b: Booking): string {
  return b.locale === 'en' ? 'en-GB' : 'ru';
}
