import { type Kysely, sql, type Transaction, type UpdateObject } from 'kysely';
import { DateTime } from 'luxon';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../actor.js';
import { recordAudit } from '../audit/audit-log.js';
import { type BookingService, SlotTakenError } from '../booking/booking-service.js';
import { type ClientService, isUuid } from '../clients/client-service.js';
import { DomainError, InvalidInputError, NotFoundError } from '../errors.js';
import { maxPointsSpend } from '../loyalty/loyalty-rules.js';
import type { LoyaltyService } from '../loyalty/loyalty-service.js';
import type { Translate } from '../messages/translate.js';
import { currentConsents } from '../onboarding/consents.js';
import { enqueueMessage } from '../outbox/outbox.js';
import type { ReferralService } from '../referrals/referral-service.js';
import { getSetting } from '../settings.js';
import { formatAmount, formatTime, formatWhen } from './format-when.js';
import { branchManagers, noticeToMaster } from './visit-notices.js';
import { amountDue, loadVisit, toVisitView, type VisitView, visitQuery } from './visit-view.js';

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
const MAX_AMOUNT = 10_000_000;
const ACTIVE = ['booked', 'confirmed'] as const;

/** Throws unless the visit is still booked or confirmed. */
export function assertActive(visit: VisitView): void {
  if (!ACTIVE.includes(visit.status as (typeof ACTIVE)[number]))
    throw new VisitStateError(visit.status);
}

/** The master linked to a Telegram account, if that account is a master's. */
export interface MasterIdentity {
  masterId: string;
  staffUserId: string;
  locale: string;
  role: string;
}

export interface AgendaItem {
  visit: VisitView;
  clientName: string | null;
  notes: string | null;
  /** Only where the client consented to health data. */
  allergies: string | null;
}

/**
 * What happens to a visit after it is booked: the client moves, cancels or confirms it; the
 * master marks it done or no-show; the client rates it; reminders and agendas go out through
 * the outbox. Every action checks whose visit it is.
 */
export class VisitService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly crypto: Crypto,
    private readonly clients: ClientService,
    private readonly referrals: ReferralService,
    private readonly booking: BookingService,
    private readonly loyalty: LoyaltyService,
    private readonly translate: Translate,
  ) {}

  /** One visit by id, or null (a malformed id is simply not found). */
  async get(id: string): Promise<VisitView | null> {
    return isUuid(id) ? loadVisit(this.db, id) : null;
  }

  /** The client's coming visits (soonest first) and recent past ones (latest first). */
  async forClient(
    clientId: string,
    now: Date,
  ): Promise<{ upcoming: VisitView[]; past: VisitView[] }> {
    const upcoming = await visitQuery(this.db)
      .where('a.client_id', '=', clientId)
      .where('a.status', 'in', ACTIVE)
      .where('a.starts_at', '>=', now)
      .orderBy('a.starts_at')
      .limit(20)
      .execute();
    const past = await visitQuery(this.db)
      .where('a.client_id', '=', clientId)
      .where((eb) => eb.or([eb('a.starts_at', '<', now), eb('a.status', 'not in', ACTIVE)]))
      .orderBy('a.starts_at', 'desc')
      .limit(10)
      .execute();
    return { upcoming: upcoming.map(toVisitView), past: past.map(toVisitView) };
  }

  /** A visit of this client; someone else's is "not found", so ids reveal nothing. */
  async ofClient(clientId: string, visitId: string): Promise<VisitView> {
    const visit = isUuid(visitId) ? await loadVisit(this.db, visitId) : null;
    if (!visit || visit.clientId !== clientId) throw new NotFoundError('visit');
    return visit;
  }

  /** Throws unless the client may still change the visit at `now`. */
  async checkChangeable(visit: VisitView, now: Date): Promise<void> {
    assertActive(visit);
    const cutoff = await getSetting(this.db, 'booking.cancel_cutoff_hours');
    if (visit.startsAt.getTime() - now.getTime() < cutoff * 3_600_000)
      throw new CutoffPassedError(cutoff, visit.branchPhone);
  }

  async cancelByClient(clientId: string, visitId: string, now: Date): Promise<VisitView> {
    const visit = await this.ofClient(clientId, visitId);
    await this.checkChangeable(visit, now);
    return this.cancel(visit, 'client', { type: 'client', id: clientId });
  }

  /** Staff may cancel at any time; the client is told. */
  async cancelByStaff(visitId: string, actor: Actor): Promise<VisitView> {
    const visit = isUuid(visitId) ? await loadVisit(this.db, visitId) : null;
    if (!visit) throw new NotFoundError('visit');
    return this.cancel(visit, 'staff', actor);
  }

  private async cancel(visit: VisitView, by: 'client' | 'staff', actor: Actor): Promise<VisitView> {
    return this.db.transaction().execute(async (tx) => {
      await closeVisit(
        tx,
        visit,
        { status: 'cancelled', cancelled_at: sql<Date>`now()`, cancelled_by: by },
        actor,
        { action: 'cancel', details: { by } },
      );
      await this.loyalty.releaseCoupon(tx, visit.id);
      const cancelled = { ...visit, status: 'cancelled' as const };
      await noticeToMaster(tx, this.crypto, this.translate, cancelled, 'cancelled');
      if (by === 'staff') await this.tellClient(tx, cancelled, 'visit-cancelled-by-salon');
      return cancelled;
    });
  }

  /**
   * Moves the client's visit to a new start with the same service and master. The new time must
   * be one the schedule offers; a lost race is a SlotTakenError.
   */
  async reschedule(
    clientId: string,
    visitId: string,
    startsAt: Date,
    now: Date,
  ): Promise<VisitView> {
    const visit = await this.ofClient(clientId, visitId);
    await this.checkChangeable(visit, now);
    const offer = (
      await this.booking.offers(
        visit.serviceId,
        visit.masterId,
        now,
        { from: new Date(startsAt.getTime() - 1), to: new Date(startsAt.getTime() + 1) },
        { excludeVisit: visit.id },
      )
    ).find((o) => o.startsAt.getTime() === startsAt.getTime());
    if (!offer) throw new SlotTakenError();
    const endsAt = new Date(startsAt.getTime() + offer.durationMin * 60_000);
    try {
      return await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable('appointments')
          .set({
            starts_at: startsAt,
            ends_at: endsAt,
            blocked_until: new Date(endsAt.getTime() + offer.bufferMin * 60_000),
            status: 'booked',
            confirmed_at: null,
            moved_count: sql`moved_count + 1`,
            updated_at: now,
          })
          .where('id', '=', visit.id)
          .where('status', 'in', ACTIVE)
          .returning('id')
          .executeTakeFirst();
        if (!row) throw new VisitStateError('not active');
        await recordAudit(
          tx,
          { type: 'client', id: clientId },
          {
            action: 'reschedule',
            entity: 'appointment',
            entityId: visit.id,
          },
        );
        await dropPendingReminders(tx, visit.id);
        const moved = await loadVisit(tx, visit.id);
        if (!moved) throw new NotFoundError('visit');
        await noticeToMaster(tx, this.crypto, this.translate, moved, 'moved', {
          from: visit.startsAt,
        });
        return moved;
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23P01') throw new SlotTakenError();
      throw err;
    }
  }

  /** The client confirms they will come (from a reminder). */
  async confirmByClient(clientId: string, visitId: string): Promise<VisitView> {
    const visit = await this.ofClient(clientId, visitId);
    assertActive(visit);
    await this.db
      .updateTable('appointments')
      .set({ status: 'confirmed', confirmed_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', visit.id)
      .where('status', 'in', ACTIVE)
      .execute();
    return { ...visit, status: 'confirmed' };
  }

  /** The master behind a Telegram account (a linked staff user with a master profile). */
  async masterOfTelegram(telegramUserId: number): Promise<MasterIdentity | null> {
    const row = await this.db
      .selectFrom('staff_users as u')
      .innerJoin('masters as m', 'm.staff_user_id', 'u.id')
      .select(['m.id as masterId', 'u.id as staffUserId', 'u.locale', 'u.role'])
      .where('u.telegram_user_id', '=', String(telegramUserId))
      .where('u.active', '=', true)
      .where('m.active', '=', true)
      .executeTakeFirst();
    return row ?? null;
  }

  /** A visit the master asking may act on: their own, and no one else's. */
  async ofMaster(
    telegramUserId: number,
    visitId: string,
  ): Promise<{ visit: VisitView; master: MasterIdentity }> {
    const master = await this.masterOfTelegram(telegramUserId);
    const visit = isUuid(visitId) ? await loadVisit(this.db, visitId) : null;
    if (!master || !visit || visit.masterId !== master.masterId) throw new NotYourVisitError();
    return { visit, master };
  }

  /** The amount a visit is expected to bring: price less the discount recorded at booking. */
  expectedAmount(visit: VisitView): string {
    return amountDue(visit.price, visit.discountPct);
  }

  /**
   * Marks a visit done with the amount paid (the expected amount unless corrected), qualifies the
   * client's pending referral when they paid, and asks the client for a rating.
   */
  async complete(
    visitId: string,
    input: { amount?: number | undefined; points?: number | undefined },
    actor: Actor,
    now: Date,
  ): Promise<{ visit: VisitView; amountPaid: string; pointsSpent: number; pointsEarned: number }> {
    const visit = isUuid(visitId) ? await loadVisit(this.db, visitId) : null;
    if (!visit) throw new NotFoundError('visit');
    if (visit.startsAt > now) throw new VisitNotStartedError(visit.startsAt);
    const points = input.points ?? 0;
    if (!Number.isInteger(points) || points < 0) throw new InvalidInputError('points', 'invalid');
    if (points > 0 && !visit.clientId) throw new InvalidInputError('points', 'too-many');
    const due = Number(this.expectedAmount(visit));
    const amount = input.amount ?? Math.max(0, due - points);
    if (!Number.isFinite(amount) || amount < 0 || amount > MAX_AMOUNT)
      throw new InvalidInputError('amount', 'invalid');
    const paid = (Math.round(amount * 100) / 100).toFixed(2);
    const done = await this.db.transaction().execute(async (tx) => {
      if (visit.clientId) {
        // One completion at a time per client: points are spent from one balance.
        await tx
          .selectFrom('clients')
          .select('id')
          .where('id', '=', visit.clientId)
          .forUpdate()
          .execute();
      }
      if (points > 0 && visit.clientId) {
        const [{ rules }, balance] = await Promise.all([
          this.loyalty.rules(tx),
          this.loyalty.pointsBalance(visit.clientId, tx),
        ]);
        if (points > maxPointsSpend(due, balance, rules))
          throw new InvalidInputError('points', 'too-many');
      }
      await closeVisit(
        tx,
        visit,
        {
          status: 'done',
          amount_paid: paid,
          points_spent: points,
          completed_at: sql<Date>`now()`,
          completed_by_staff_id: actor.type === 'staff' ? actor.id : null,
        },
        actor,
        { action: 'complete', details: { corrected: input.amount !== undefined, points } },
      );
      const { earned } = await this.loyalty.settle(tx, visit, Number(paid), points, now);
      const completed = { ...visit, status: 'done' as const, amountPaid: paid };
      await this.askForRating(tx, completed);
      return { visit: completed, earned };
    });
    // Its own transaction, and idempotent: a referral qualifies once, on a paid visit.
    if (done.visit.clientId && amount > 0) await this.referrals.qualify(done.visit.clientId);
    return { visit: done.visit, amountPaid: paid, pointsSpent: points, pointsEarned: done.earned };
  }

  /**
   * What the client was promised at booking (price, the discount recorded then, the coupon held
   * for the visit, the amount due) and the points they may still put towards it.
   */
  async promised(visit: VisitView): Promise<{
    price: string;
    discountPct: number;
    due: string;
    coupon: { code: string; percent: number } | null;
    pointsBalance: number;
    spendablePoints: number;
  }> {
    const [coupon, balance, spendable] = await Promise.all([
      this.db
        .selectFrom('coupons')
        .select(['code', 'percent'])
        .where('reserved_for', '=', visit.id)
        .executeTakeFirst(),
      visit.clientId ? this.loyalty.pointsBalance(visit.clientId) : Promise.resolve(0),
      this.spendablePoints(visit),
    ]);
    return {
      price: visit.price,
      discountPct: visit.discountPct,
      due: this.expectedAmount(visit),
      coupon: coupon ? { code: coupon.code, percent: Number(coupon.percent) } : null,
      pointsBalance: balance,
      spendablePoints: spendable,
    };
  }

  /** The most points the client may put towards this visit now. */
  async spendablePoints(visit: VisitView): Promise<number> {
    if (!visit.clientId) return 0;
    const [{ rules }, balance] = await Promise.all([
      this.loyalty.rules(),
      this.loyalty.pointsBalance(visit.clientId),
    ]);
    return maxPointsSpend(Number(this.expectedAmount(visit)), balance, rules);
  }

  async markNoShow(visitId: string, actor: Actor, now: Date): Promise<VisitView> {
    const visit = isUuid(visitId) ? await loadVisit(this.db, visitId) : null;
    if (!visit) throw new NotFoundError('visit');
    if (visit.startsAt > now) throw new VisitNotStartedError(visit.startsAt);
    return this.db.transaction().execute(async (tx) => {
      await closeVisit(tx, visit, { status: 'no_show' }, actor, { action: 'no-show' });
      return { ...visit, status: 'no_show' as const };
    });
  }

  private async askForRating(tx: Transaction<Database>, visit: VisitView): Promise<void> {
    const client = await this.reachableClient(tx, visit.clientId);
    if (!client) return;
    await enqueueMessage(tx, this.crypto, {
      dedupeKey: `rate-ask:${visit.id}`,
      chatId: client.chatId,
      clientId: client.id,
      kind: 'rate-ask',
      message: {
        text: this.translate(client.locale, 'rate-ask', {
          service: visit.service,
          master: visit.master,
        }),
        buttons: [
          [1, 2, 3, 4, 5].map((n) => ({
            text: '⭐'.repeat(n) || String(n),
            data: `rate:${visit.id}:${n}`,
          })),
        ],
      },
    });
  }

  /**
   * The client's rating of a done visit; a second press changes it. A low score alerts the
   * branch's managers once per visit.
   */
  async rate(clientId: string, visitId: string, score: number): Promise<{ alerted: boolean }> {
    if (!Number.isInteger(score) || score < 1 || score > 5)
      throw new InvalidInputError('score', 'invalid');
    const visit = await this.ofClient(clientId, visitId);
    if (visit.status !== 'done') throw new VisitStateError(visit.status);
    const alertAt = await getSetting(this.db, 'feedback.alert_max_score');
    return this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('visit_feedback')
        .values({ appointment_id: visit.id, client_id: clientId, score })
        .onConflict((oc) =>
          oc.column('appointment_id').doUpdateSet({ score, updated_at: sql`now()` }),
        )
        .execute();
      if (score > alertAt) return { alerted: false };
      await this.alertManagers(tx, visit, clientId, score, null);
      return { alerted: true };
    });
  }

  /** An optional comment after the rating, stored encrypted; low ratings forward it. */
  async comment(clientId: string, visitId: string, raw: string): Promise<void> {
    const text = raw.trim();
    if (text === '') throw new InvalidInputError('comment', 'empty');
    if (text.length > MAX_FEEDBACK_COMMENT) throw new InvalidInputError('comment', 'too-long');
    const visit = await this.ofClient(clientId, visitId);
    const alertAt = await getSetting(this.db, 'feedback.alert_max_score');
    await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('visit_feedback')
        .set({
          comment_enc: this.crypto.encryptSystem(feedbackPlace(visit.id), text),
          updated_at: sql`now()`,
        })
        .where('appointment_id', '=', visit.id)
        .where('client_id', '=', clientId)
        .returning('score')
        .executeTakeFirst();
      if (!row) throw new VisitStateError('not rated');
      if (row.score <= alertAt) await this.alertManagers(tx, visit, clientId, row.score, text);
    });
  }

  async feedbackOf(visitId: string): Promise<{ score: number; comment: string | null } | null> {
    const row = await this.db
      .selectFrom('visit_feedback')
      .select(['score', 'comment_enc'])
      .where('appointment_id', '=', visitId)
      .executeTakeFirst();
    if (!row) return null;
    return {
      score: row.score,
      comment: row.comment_enc
        ? this.crypto.decryptSystem(feedbackPlace(visitId), row.comment_enc)
        : null,
    };
  }

  private async alertManagers(
    tx: Transaction<Database>,
    visit: VisitView,
    clientId: string,
    score: number,
    comment: string | null,
  ): Promise<void> {
    const client = await this.clients.findById(clientId);
    for (const m of await branchManagers(tx, visit.branchId)) {
      await enqueueMessage(tx, this.crypto, {
        dedupeKey: `rate-alert:${visit.id}:${m.id}:${comment === null ? 'score' : 'comment'}`,
        chatId: Number(m.telegram_user_id),
        clientId: null,
        kind: 'rate-alert',
        aboutClients: [clientId],
        message: {
          text: this.translate(m.locale, comment === null ? 'rate-alert' : 'rate-alert-comment', {
            score,
            client: client?.name ?? '—',
            phone: client?.phone ?? '—',
            service: visit.service,
            master: visit.master,
            when: formatWhen(visit.startsAt, visit.timeZone, m.locale),
            comment: comment ?? '',
          }),
        },
      });
    }
  }

  /**
   * Queues due reminders. For each visit only the nearest due offset is sent, and only offsets
   * that fell after the visit was booked or moved; the dedupe key (visit, start, offset) makes a
   * reminder go out once however often this runs, on however many replicas.
   */
  async queueReminders(now: Date): Promise<number> {
    const offsets = [...(await getSetting(this.db, 'reminders.offsets_hours'))]
      .filter((h) => Number.isFinite(h) && h > 0)
      .sort((a, b) => a - b);
    if (offsets.length === 0) return 0;
    const cutoff = await getSetting(this.db, 'booking.cancel_cutoff_hours');
    const longest = offsets[offsets.length - 1] ?? 0;
    const rows = await visitQuery(this.db)
      .innerJoin('clients as c', 'c.id', 'a.client_id')
      .select(['c.telegram_user_id', 'c.locale', 'a.updated_at', 'a.created_at'])
      .where('a.status', 'in', ACTIVE)
      .where('a.starts_at', '>', now)
      .where('a.starts_at', '<=', new Date(now.getTime() + longest * 3_600_000))
      .where('c.telegram_user_id', 'is not', null)
      .where('c.erased_at', 'is', null)
      .where('c.blocked_bot_at', 'is', null)
      .execute();
    let queued = 0;
    for (const row of rows) {
      const visit = toVisitView(row);
      const bookedAt = Math.max(row.created_at.getTime(), row.updated_at.getTime());
      const offset = offsets.find((h) => {
        const due = visit.startsAt.getTime() - h * 3_600_000;
        return due <= now.getTime() && due >= bookedAt - 60_000;
      });
      if (offset === undefined) continue;
      const locale = row.locale;
      const canCancel = visit.startsAt.getTime() - now.getTime() >= cutoff * 3_600_000;
      const buttons = [
        [
          { text: this.translate(locale, 'reminder-confirm'), data: `rv:ok:${visit.id}` },
          ...(canCancel
            ? [{ text: this.translate(locale, 'reminder-cancel'), data: `rv:cx:${visit.id}` }]
            : []),
        ],
      ];
      const added = await enqueueMessage(this.db, this.crypto, {
        dedupeKey: `reminder:${visit.id}:${visit.startsAt.getTime() / 1000}:${offset}`,
        chatId: Number(row.telegram_user_id),
        clientId: visit.clientId,
        kind: 'reminder',
        message: {
          text: this.translate(locale, canCancel ? 'reminder' : 'reminder-call-to-cancel', {
            when: formatWhen(visit.startsAt, visit.timeZone, locale),
            service: visit.service,
            master: visit.master,
            address: visit.branchAddress ?? visit.branch,
            phone: visit.branchPhone ?? '—',
          }),
          buttons,
        },
      });
      if (added) queued++;
    }
    return queued;
  }

  /**
   * Queues each linked master's agenda for their local day once the branch's clock passes the
   * agenda hour (within three hours of it, so a late start does not send it at night). Once per
   * master and day, by the dedupe key.
   */
  async queueAgendas(now: Date): Promise<number> {
    const hour = await getSetting(this.db, 'agenda.local_hour');
    const masters = await this.db
      .selectFrom('masters as m')
      .innerJoin('staff_users as u', 'u.id', 'm.staff_user_id')
      .innerJoin('branches as b', 'b.id', 'm.branch_id')
      .select(['m.id', 'u.telegram_user_id', 'u.locale', 'b.time_zone'])
      .where('m.active', '=', true)
      .where('u.active', '=', true)
      .where('b.active', '=', true)
      .where('u.telegram_user_id', 'is not', null)
      .execute();
    let queued = 0;
    for (const m of masters) {
      const local = DateTime.fromJSDate(now, { zone: m.time_zone });
      if (local.hour < hour || local.hour >= hour + 3) continue;
      const day = local.toISODate() ?? '';
      const { text, buttons, clientIds } = await this.agendaFor(m.id, m.time_zone, day, m.locale);
      const added = await enqueueMessage(this.db, this.crypto, {
        dedupeKey: `agenda:${m.id}:${day}`,
        chatId: Number(m.telegram_user_id),
        clientId: null,
        kind: 'agenda',
        aboutClients: clientIds,
        message: { text, buttons },
      });
      if (added) queued++;
    }
    return queued;
  }

  /** A master's agenda for a local date (YYYY-MM-DD in the branch's zone), ready to send. */
  async agendaFor(masterId: string, timeZone: string, day: string, locale: string) {
    const start = DateTime.fromISO(day, { zone: timeZone }).startOf('day');
    const items = await this.agenda(masterId, {
      from: start.toJSDate(),
      to: start.plus({ days: 1 }).toJSDate(),
    });
    const label = start.setLocale(locale === 'en' ? 'en-GB' : 'ru').toFormat('cccc d MMMM');
    return {
      ...this.agendaMessage(items, locale, label),
      clientIds: items.flatMap((i) => (i.visit.clientId ? [i.visit.clientId] : [])),
    };
  }

  /** A master's visits on one local day, with what the master needs to know about each client. */
  async agenda(masterId: string, day: { from: Date; to: Date }): Promise<AgendaItem[]> {
    const rows = await visitQuery(this.db)
      .where('a.master_id', '=', masterId)
      .where('a.status', 'in', ACTIVE)
      .where('a.starts_at', '>=', day.from)
      .where('a.starts_at', '<', day.to)
      .orderBy('a.starts_at')
      .execute();
    const items: AgendaItem[] = [];
    for (const row of rows) {
      const visit = toVisitView(row);
      const client = visit.clientId ? await this.clients.findById(visit.clientId) : null;
      const health = client ? (await currentConsents(this.db, client.id)).health_data : false;
      items.push({
        visit,
        clientName: client?.name ?? null,
        notes: client?.notes ?? null,
        allergies: health ? (client?.allergies ?? null) : null,
      });
    }
    return items;
  }

  /** The agenda as a message: one line per visit, with Done and No-show buttons. */
  agendaMessage(items: AgendaItem[], locale: string, dayLabel: string) {
    if (items.length === 0)
      return { text: this.translate(locale, 'agenda-empty', { day: dayLabel }), buttons: [] };
    const lines = items.map((i) => {
      const parts = [
        this.translate(locale, 'agenda-line', {
          time: formatTime(i.visit.startsAt, i.visit.timeZone),
          client: i.clientName ?? this.translate(locale, 'agenda-no-client'),
          service: i.visit.service,
          amount: formatAmount(this.expectedAmount(i.visit)),
        }),
      ];
      if (i.notes) parts.push(this.translate(locale, 'agenda-notes', { notes: i.notes }));
      if (i.allergies)
        parts.push(this.translate(locale, 'agenda-allergies', { allergies: i.allergies }));
      return parts.join('\n');
    });
    const buttons = items.map((i) => {
      const time = formatTime(i.visit.startsAt, i.visit.timeZone);
      return [
        { text: this.translate(locale, 'agenda-done', { time }), data: `mv:done:${i.visit.id}` },
        { text: this.translate(locale, 'agenda-no-show', { time }), data: `mv:ns:${i.visit.id}` },
      ];
    });
    return {
      text: [this.translate(locale, 'agenda-title', { day: dayLabel }), ...lines].join('\n\n'),
      buttons,
    };
  }

  private async reachableClient(tx: Transaction<Database>, clientId: string | null) {
    if (!clientId) return null;
    const row = await tx
      .selectFrom('clients')
      .select(['id', 'telegram_user_id', 'locale'])
      .where('id', '=', clientId)
      .where('erased_at', 'is', null)
      .where('blocked_bot_at', 'is', null)
      .executeTakeFirst();
    if (!row?.telegram_user_id) return null;
    return { id: row.id, chatId: Number(row.telegram_user_id), locale: row.locale };
  }

  private async tellClient(
    tx: Transaction<Database>,
    visit: VisitView,
    key: string,
  ): Promise<void> {
    const client = await this.reachableClient(tx, visit.clientId);
    if (!client) return;
    await enqueueMessage(tx, this.crypto, {
      dedupeKey: `${key}:${visit.id}`,
      chatId: client.chatId,
      clientId: client.id,
      kind: key,
      message: {
        text: this.translate(client.locale, key, {
          when: formatWhen(visit.startsAt, visit.timeZone, client.locale),
          service: visit.service,
          phone: visit.branchPhone ?? '—',
        }),
      },
    });
  }
}

function feedbackPlace(visitId: string) {
  return { table: 'visit_feedback', column: 'comment_enc', rowId: visitId };
}

/**
 * Closes an open visit in the caller's transaction: sets the new state only if the visit is
 * still booked or confirmed (a second press finds it closed), records who did it, and drops its
 * pending reminders.
 */
async function closeVisit(
  tx: Transaction<Database>,
  visit: VisitView,
  set: UpdateObject<Database, 'appointments'>,
  actor: Actor,
  audit: { action: string; details?: Record<string, unknown> },
): Promise<void> {
  const row = await tx
    .updateTable('appointments')
    .set({ ...set, updated_at: sql`now()` })
    .where('id', '=', visit.id)
    .where('status', 'in', ACTIVE)
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new VisitStateError(visit.status);
  await recordAudit(tx, actor, { entity: 'appointment', entityId: visit.id, ...audit });
  await dropPendingReminders(tx, visit.id);
}

/** A reminder queued for an old time or a visit no longer active must not go out. */
async function dropPendingReminders(tx: Transaction<Database>, visitId: string): Promise<void> {
  await tx
    .deleteFrom('outbox')
    .where('dedupe_key', 'like', `reminder:${visitId}:%`)
    .where('status', '=', 'pending')
    .execute();
}
