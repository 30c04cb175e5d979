import { DomainError } from '../errors.js';
import type { VisitView } from './visit-view.js';

/** What may happen to a visit when, and the errors that say it may not. */

/** Too close to the visit for the client to change it; they are told whom to call. */
export class CutoffPassedError extends DomainError {
  override name = 'CutoffPassedError';
  constructor(
    readonly cutoffHours: number,
    readonly phone: string | null,
  ) {
    super('the cancellation cut-off has passed');
  }
}

/** The visit is no longer in a state that allows this (already cancelled, done, …). */
export class VisitStateError extends DomainError {
  override name = 'VisitStateError';
  constructor(readonly status: string) {
    super(`the visit is ${status}`);
  }
}

/** A staff member acting on a visit that is not theirs. */
export class NotYourVisitError extends DomainError {
  override name = 'NotYourVisitError';
  constructor() {
    super('not your visit');
  }
}

/** Done or no-show pressed before the visit began. */
export class VisitNotStartedError extends DomainError {
  override name = 'VisitNotStartedError';
  constructor(readonly startsAt: Date) {
    super('the visit has not started yet');
  }
}

export const MAX_FEEDBACK_COMMENT = 1000;
export const MAX_AMOUNT = 10_000_000;
export const ACTIVE = ['booked', 'confirmed'] as const;

/** Throws unless the visit is still booked or confirmed. */
export function assertActive(visit: VisitView): void {
  if (!ACTIVE.includes(visit.status as (typeof ACTIVE)[number]))
    throw new VisitStateError(visit.status);
}

/** Throws unless the visit has begun at `now` (done and no-show come after the start). */
export function assertStarted(visit: VisitView, now: Date): void {
  if (visit.startsAt > now) throw new VisitNotStartedError(visit.startsAt);
}
