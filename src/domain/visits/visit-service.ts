import type { Actor } from '../actor.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/transaction.js';
import { type CompleteInput, completeVisit } from './complete-visit.js';
import { type AgendaDeps, agendaFor, queueAgendas } from './master-agenda.js';
import { queueReminders } from './reminders.js';
import {
  cancelByClient,
  cancelByStaff,
  confirmByClient,
  markNoShow,
  rescheduleVisit,
} from './visit-commands.js';
import { commentVisit, feedbackOf, rateVisit } from './visit-feedback.js';
import {
  checkChangeable,
  expectedAmount,
  findVisit,
  masterOfTelegram,
  promisedFor,
  spendablePoints,
  visitOfClient,
  visitOfMaster,
  visitsOfClient,
} from './visit-queries.js';
import type { VisitView } from './visit-view.js';

export type { MasterIdentity } from './visit-queries.js';

/**
 * Visits as the bot, the panel and the jobs use them, over the pool: each method is one read
 * (visit-queries), one use case that opens its own transaction through `inTransaction`
 * (visit-commands, complete-visit, visit-feedback) or one job tick (reminders, master-agenda).
 * Every action checks whose visit it is. Code already in a transaction calls those modules'
 * functions with its handle instead.
 */
export class VisitService {
  constructor(
    private readonly db: Db,
    private readonly deps: AgendaDeps & { clock: Clock },
  ) {}

  get(id: string) {
    return findVisit(this.db, id);
  }

  forClient(clientId: string, now: Date, options: { branchId?: string } = {}) {
    return visitsOfClient(this.db, clientId, now, options);
  }

  ofClient(clientId: string, visitId: string) {
    return visitOfClient(this.db, clientId, visitId);
  }

  checkChangeable(visit: VisitView, now: Date) {
    return checkChangeable(this.db, visit, now);
  }

  masterOfTelegram(telegramUserId: number) {
    return masterOfTelegram(this.db, telegramUserId);
  }

  ofMaster(telegramUserId: number, visitId: string) {
    return visitOfMaster(this.db, telegramUserId, visitId);
  }

  expectedAmount(visit: VisitView) {
    return expectedAmount(visit);
  }

  promised(visit: VisitView) {
    return promisedFor(this.db, visit);
  }

  spendablePoints(visit: VisitView) {
    return spendablePoints(this.db, visit);
  }

  feedbackOf(visitId: string) {
    return feedbackOf(this.db, this.deps.crypto, visitId);
  }

  agendaFor(masterId: string, timeZone: string, day: string, locale: string) {
    return agendaFor(this.db, this.deps, masterId, timeZone, day, locale);
  }

  cancelByClient(clientId: string, visitId: string, now = this.deps.clock()) {
    return cancelByClient(this.db, this.deps, clientId, visitId, now);
  }

  cancelByStaff(visitId: string, actor: Actor) {
    return cancelByStaff(this.db, this.deps, visitId, actor);
  }

  reschedule(clientId: string, visitId: string, startsAt: Date, now = this.deps.clock()) {
    return rescheduleVisit(this.db, this.deps, clientId, visitId, startsAt, now);
  }

  confirmByClient(clientId: string, visitId: string) {
    return confirmByClient(this.db, clientId, visitId);
  }

  complete(visitId: string, input: CompleteInput, actor: Actor, now = this.deps.clock()) {
    return completeVisit(this.db, this.deps, visitId, input, actor, now);
  }

  markNoShow(visitId: string, actor: Actor, now = this.deps.clock()) {
    return markNoShow(this.db, visitId, actor, now);
  }

  rate(clientId: string, visitId: string, score: number) {
    return rateVisit(this.db, this.deps, clientId, visitId, score);
  }

  comment(clientId: string, visitId: string, text: string) {
    return commentVisit(this.db, this.deps, clientId, visitId, text);
  }

  queueReminders(now = this.deps.clock()) {
    return queueReminders(this.db, this.deps, now);
  }

  queueAgendas(now = this.deps.clock()) {
    return queueAgendas(this.db, this.deps, now);
  }
}
