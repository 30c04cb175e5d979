import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Crypto } from '../crypto/crypto.js';
import type { Database, StaffRole } from '../db/schema.js';
import type { Actor } from '../domain/actor.js';
import { workingIntervals } from '../domain/booking/free-slots.js';
import { backdateReferrals, recordClientHistory } from '../domain/clients/client-history.js';
import type { Birthday } from '../domain/clients/client-service.js';
import { normalisePhone } from '../domain/clients/normalise.js';
import {
  markSentInHistory,
  recordSentGreetings,
  type SentGreeting,
} from '../domain/greetings/greeting-history.js';
import { occurrence } from '../domain/greetings/holiday-dates.js';
import { renderTemplate } from '../domain/greetings/templates.js';
import { newCouponCode } from '../domain/loyalty/coupons.js';
import { DEFAULT_RULES, levelFor } from '../domain/loyalty/loyalty-rules.js';
import { SourceService } from '../domain/onboarding/sources.js';
import {
  type HistoricalVisit,
  qualifyReferralsFromHistory,
  recordVisitHistory,
} from '../domain/visits/visit-history.js';
import type { Services } from '../runtime.js';
import { Random } from './random.js';
import {
  ALLERGIES,
  BAD_COMMENTS,
  BRANCHES,
  type BranchKey,
  CATEGORIES,
  CLIENT_MESSAGES,
  ENGLISH_FEMALE,
  ENGLISH_MALE,
  ENGLISH_SURNAMES,
  FEMALE_FIRST,
  GOOD_COMMENTS,
  MALE_FIRST,
  MASTERS,
  MIDDLE_COMMENTS,
  NOTES,
  SERVICES,
  SOURCES,
  STAFF,
  SURNAMES,
  TAGS,
} from './salon-data.js';

export interface DemoSize {
  clients: number;
  /** Months of history before `now`. */
  months: number;
}

export const FULL_SIZE: DemoSize = { clients: 5_000, months: 24 };

export interface DemoOptions {
  seed: number;
  size: DemoSize;
  /** The salon's "today": history ends here, bookings go two weeks beyond. */
  now: Date;
  /** Progress lines for the person waiting (no personal data). */
  progress?: (step: string) => void;
}

export interface DemoAccount {
  email: string;
  role: StaffRole;
  password: string;
}

export interface DemoReport {
  accounts: DemoAccount[];
  counts: {
    branches: number;
    masters: number;
    services: number;
    clients: number;
    referrals: number;
    visits: number;
    greetings: number;
  };
}

const DEMO: Actor = { type: 'system', id: 'demo' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CLIENT_BATCH = 1_000;
/** Connections working at once: the database waits on round trips more than on CPU. */
const WORKERS = 4;
const VISIT_BATCH = 5_000;
const MOBILE_CODES = [903, 905, 909, 915, 916, 917, 925, 926, 985, 999, 912, 922, 950, 965];

interface ClientPlan {
  index: number;
  name: string;
  locale: 'ru' | 'en';
  phone: string;
  birthday: Birthday | null;
  telegramUserId: number | null;
  branch: BranchKey;
  sourceLeaf: number;
  referrer: number | null;
  depth: number;
  joinedAt: Date;
  marketing: boolean;
  health: boolean;
  allergies: string | null;
  notes: string | null;
  tags: string[];
  /** How often they come back, relative to others. */
  loyalty: number;
  imported: boolean;
}

/** Seasons of a beauty salon: the weeks before New Year and 8 March, spring, September. */
export function seasonFactor(local: DateTime): number {
  const { month, day, weekday } = local;
  let f = 1;
  if (month === 12 && day >= 15) f = 1.75;
  else if (month === 12) f = 1.2;
  else if (month === 1 && day <= 10) f = 0.55;
  else if (month === 3 && day <= 8) f = 1.75;
  else if (month === 2 && day >= 20) f = 1.3;
  else if (month === 4 || month === 5) f = 1.3;
  else if (month === 9) f = 1.3;
  else if (month === 7 || month === 8) f = 0.8;
  if (weekday === 6) f *= 1.15;
  if (weekday === 5) f *= 1.05;
  return f;
}

/**
 * Fills an empty database with a realistic salon, through the domain: the catalogue, staff
 * and schedules by their services, clients (encrypted) with consents and referral links by
 * the onboarding and referral code, and the history (visits, ratings, points, greetings and
 * coupons) by the domain's bulk history functions. The same seed and `now` give the same salon.
 */
export async function generateDemoSalon(
  deps: { db: Kysely<Database>; crypto: Crypto; services: Services },
  options: DemoOptions,
): Promise<DemoReport> {
  const { db, crypto, services: s } = deps;
  const say = options.progress ?? (() => undefined);
  const root = new Random(options.seed);
  const rng = {
    people: root.fork('people'),
    visits: root.fork('visits'),
    greetings: root.fork('greetings'),
  };
  const now = options.now;
  const start = DateTime.fromJSDate(now).minus({ months: options.size.months }).toJSDate();

  // Catalogue, staff and schedules.
  say('catalogue, staff and schedules');
  const branchIds = new Map<BranchKey, string>();
  for (const b of BRANCHES)
    branchIds.set(
      b.key,
      await s.catalogue.createBranch(
        { name: b.name, timeZone: b.timeZone, phone: b.phone, address: b.address },
        DEMO,
      ),
    );
  const branchOf = (key: BranchKey) => branchIds.get(key) ?? '';
  const serviceIds: string[] = [];
  for (const svc of SERVICES)
    serviceIds.push(
      await s.catalogue.createService(
        {
          name: svc.name,
          category: CATEGORIES[svc.category],
          durationMin: svc.minutes,
          bufferMin: svc.buffer,
          price: svc.price,
        },
        DEMO,
      ),
    );
  const accounts: DemoAccount[] = [];
  const staffIds = new Map<string, string>();
  for (const person of STAFF) {
    const { user, password } = await s.staff.create(
      {
        email: person.email,
        displayName: person.name,
        role: person.role,
        branchId: person.branch ? branchOf(person.branch) : null,
      },
      DEMO,
    );
    staffIds.set(person.email, user.id);
    accounts.push({ email: user.email, role: user.role, password });
  }
  const masterAccount = staffIds.get('master@demo.clientele.local') ?? null;
  const deskOf = (branch: BranchKey) => [
    staffIds.get('admin@demo.clientele.local') ?? null,
    staffIds.get(`manager.${branch}@demo.clientele.local`) ?? null,
  ];
  const masters: {
    id: string;
    branch: BranchKey;
    timeZone: string;
    services: number[];
    weekly: { weekday: number; start: string; end: string }[];
    exceptions: { day: string; hours: { start: string; end: string }[] }[];
  }[] = [];
  for (const [i, m] of MASTERS.entries()) {
    const id = await s.catalogue.createMaster(
      {
        branchId: branchOf(m.branch),
        displayName: m.name,
        staffUserId: i === 0 ? masterAccount : null,
      },
      DEMO,
    );
    const offered = SERVICES.flatMap((svc, k) => (m.categories.includes(svc.category) ? [k] : []));
    await s.catalogue.setMasterServices(
      id,
      offered.map((k) => ({ serviceId: serviceIds[k] ?? '' })),
      DEMO,
    );
    const weekly = m.weekdays.flatMap((weekday) => m.hours.map((h) => ({ weekday, ...h })));
    await s.catalogue.setWeeklyHours(id, weekly, DEMO);
    const timeZone = BRANCHES.find((b) => b.key === m.branch)?.timeZone ?? 'Europe/Moscow';
    // A summer fortnight off each year, and a short working day on 31 December.
    const exceptions: { day: string; hours: { start: string; end: string }[] }[] = [];
    const first = DateTime.fromJSDate(start, { zone: timeZone }).year;
    const last = DateTime.fromJSDate(now, { zone: timeZone }).plus({ months: 1 }).year;
    for (let year = first; year <= last; year++) {
      const vacation = DateTime.fromObject(
        { year, month: 6 + (i % 3), day: 1 + ((i * 7) % 14) },
        { zone: timeZone },
      );
      for (let d = 0; d < 14; d++)
        exceptions.push({ day: vacation.plus({ days: d }).toISODate() ?? '', hours: [] });
      exceptions.push({ day: `${year}-12-31`, hours: [{ start: '10:00', end: '15:00' }] });
    }
    await s.catalogue.replaceExceptionsFrom(
      id,
      exceptions[0]?.day ?? '2000-01-01',
      exceptions.map((e) =>
        e.hours.length === 0
          ? { kind: 'off' as const, day: e.day }
          : { kind: 'hours' as const, day: e.day, hours: e.hours },
      ),
      DEMO,
    );
    masters.push({ id, branch: m.branch, timeZone, services: offered, weekly, exceptions });
  }
  await s.loyalty.setRules(DEFAULT_RULES, DEMO);

  const sources = new SourceService(db);
  const leaves: { id: string; weight: number; referral: boolean }[] = [];
  for (const src of SOURCES) {
    const id = await sources.create({ name: src.name, linkCode: src.link ?? null }, DEMO);
    if (!src.children) {
      leaves.push({ id, weight: src.weight, referral: src.link === 'friends' });
      continue;
    }
    for (const child of src.children) {
      const childId = await sources.create(
        { name: child.name, parentId: id, linkCode: child.link ?? null },
        DEMO,
      );
      leaves.push({ id: childId, weight: src.weight / src.children.length, referral: false });
    }
  }
  const referralLeaf = leaves.findIndex((l) => l.referral);

  // Clients: planned in memory (in joining order), then created through the domain.
  say(`${options.size.clients} clients`);
  const plans = planClients(rng.people, options.size.clients, start, now, leaves, referralLeaf);
  // Recorded in bulk as the service would create them, then linked to their referrers through
  // the referral service level by level, so every referrer exists before the friends they brought.
  const created: { id: string; referralCode: string }[] = [];
  for (const batch of chunks(plans, CLIENT_BATCH))
    await db.transaction().execute(async (tx) => {
      created.push(
        ...(await recordClientHistory(
          tx,
          crypto,
          s.clients,
          batch.map((p) => ({
            input: {
              name: p.name,
              phone: p.phone,
              birthday: p.birthday,
              locale: p.locale,
              telegramUserId: p.telegramUserId,
              sourceId: leaves[p.sourceLeaf]?.id ?? null,
              homeBranchId: branchOf(p.branch),
              notes: p.notes,
              allergies: p.allergies,
              tags: p.tags,
            },
            joinedAt: p.joinedAt,
            consents: {
              health: p.health,
              marketing: p.marketing,
              channel: p.telegramUserId ? 'telegram' : p.imported ? 'import' : 'panel',
            },
            actor: p.telegramUserId
              ? { type: 'client', id: `tg:${p.telegramUserId}` }
              : { type: 'staff', id: deskOf(p.branch)[0] ?? null },
          })),
        )),
      );
    });
  for (let depth = 1; depth <= 3; depth++) {
    const level = plans.filter((p) => p.depth === depth);
    await inParallel(chunks(level, 100), WORKERS, (batch) =>
      db.transaction().execute(async (tx) => {
        for (const p of batch) {
          const code = created[p.referrer ?? -1]?.referralCode ?? '';
          const attributed = await s.referrals.attribute(tx, created[p.index]?.id ?? '', code);
          if (!('referrerId' in attributed)) throw new Error('demo referral was not attributed');
        }
      }),
    );
  }
  await db.transaction().execute(async (tx) => {
    const referred = plans.flatMap((p) =>
      p.referrer !== null ? [{ id: created[p.index]?.id ?? '', at: p.joinedAt }] : [],
    );
    await backdateReferrals(tx, referred);
    // Friends who joined by a link: the referrer heard about it then.
    await markSentInHistory(
      tx,
      referred.map((r) => ({ dedupeKey: `referral-joined:${r.id}`, at: r.at })),
    );
  });
  // Some clients opened their loyalty card in the bot.
  for (const p of plans)
    if (p.telegramUserId && p.index % 11 === 0)
      await s.cards.activeCard(created[p.index]?.id ?? '');

  // Two years of visits, planned master by master and day by day.
  say('visits');
  const visits = planVisits(rng.visits, {
    plans,
    clientIds: created.map((c) => c.id),
    masters,
    serviceIds,
    start,
    now,
    deskOf,
  });

  // Greetings that went out, with the coupons they carried (some redeemed on a later visit).
  say('greetings and coupons');
  const greetings = await planGreetings(rng.greetings, s, db, {
    plans,
    clientIds: created.map((c) => c.id),
    visits,
    start,
    now,
    branchName: (key) => BRANCHES.find((b) => b.key === key)?.name ?? '',
  });

  say(`${visits.length} visits`);
  await db.transaction().execute(async (tx) => {
    await recordSentGreetings(tx, crypto, greetings, DEMO);
  });
  for (let from = 0; from < visits.length; from += VISIT_BATCH)
    await db.transaction().execute(async (tx) => {
      await recordVisitHistory(tx, crypto, visits.slice(from, from + VISIT_BATCH), DEMO, now);
    });
  await qualifyReferralsFromHistory(db);

  // A few recent messages from clients in the bot, unread.
  const writers = plans.filter((p) => p.telegramUserId !== null).slice(-400);
  const talk = root.fork('messages');
  for (let i = 0; i < Math.min(12, writers.length); i++) {
    const p = talk.pick(writers);
    await s.messages.submit({
      telegramUserId: p.telegramUserId ?? 0,
      clientId: created[p.index]?.id ?? null,
      body: talk.pick(CLIENT_MESSAGES),
    });
  }

  return {
    accounts,
    counts: {
      branches: BRANCHES.length,
      masters: masters.length,
      services: serviceIds.length,
      clients: plans.length,
      referrals: plans.filter((p) => p.referrer !== null).length,
      visits: visits.length,
      greetings: greetings.length,
    },
  };
}

function planClients(
  rng: Random,
  count: number,
  start: Date,
  now: Date,
  leaves: { weight: number; referral: boolean }[],
  referralLeaf: number,
): ClientPlan[] {
  const span = now.getTime() - start.getTime();
  // When each joins: a fifth were the salon's base before (imported), the rest arrive at a
  // growing pace with the same seasons as visits.
  const times: { at: number; imported: boolean }[] = [];
  while (times.length < count) {
    if (rng.chance(0.2)) {
      times.push({ at: start.getTime() - rng.int(1, 180) * DAY, imported: true });
      continue;
    }
    const t = rng.next();
    const at = start.getTime() + t * span;
    const season = seasonFactor(DateTime.fromMillis(at, { zone: 'Europe/Moscow' }));
    if (rng.next() * 2.2 < (0.7 + 0.6 * t) * season)
      times.push({ at: at - (at % (15 * 60_000)), imported: false });
  }
  times.sort((a, b) => a.at - b.at);

  const phones = new Set<string>();
  const names = new Set<string>(MASTERS.map((m) => m.name));
  for (const st of STAFF) names.add(st.name);
  const plans: ClientPlan[] = [];
  /** Clients who came by a link and may still bring friends (chains stop at three levels). */
  const referred: ClientPlan[] = [];
  const sourceWeights = leaves.map((l, i) => [i, l.referral ? 0 : l.weight] as const);
  for (const [index, when] of times.entries()) {
    const english = rng.chance(0.08);
    const female = rng.chance(0.82);
    let name = '';
    do {
      name = english
        ? `${rng.pick(female ? ENGLISH_FEMALE : ENGLISH_MALE)} ${rng.pick(ENGLISH_SURNAMES)}`
        : `${rng.pick(female ? FEMALE_FIRST : MALE_FIRST)} ${rng.pick(SURNAMES)}${female ? 'а' : ''}`;
    } while (names.has(name));
    let phone = '';
    while (phone === '' || phones.has(phone)) {
      const raw = `+7${rng.pick(MOBILE_CODES)}${String(rng.int(0, 9_999_999)).padStart(7, '0')}`;
      try {
        phone = normalisePhone(raw);
      } catch {
        phone = '';
      }
    }
    phones.add(phone);
    const telegram = !when.imported && rng.chance(0.8);
    const branch: BranchKey = rng.chance(BRANCHES[0].share) ? 'msk' : 'ekb';
    // A friend's link: the referrer is an earlier client in Telegram, at most two links above,
    // often someone who came by a link themselves (so chains grow to three levels).
    let referrer: number | null = null;
    if (telegram && index > 10 && rng.chance(0.25)) {
      for (let attempt = 0; attempt < 8 && referrer === null; attempt++) {
        const candidate =
          referred.length > 0 && rng.chance(0.45)
            ? rng.pick(referred.slice(-200))
            : plans[rng.int(0, plans.length - 1)];
        if (candidate?.telegramUserId && candidate.depth < 3 && candidate.branch === branch)
          referrer = candidate.index;
      }
    }
    const birthday: Birthday | null = rng.chance(0.9)
      ? {
          day: rng.int(1, 28),
          month: rng.int(1, 12),
          year: rng.chance(0.85) ? rng.int(1962, 2006) : null,
        }
      : null;
    const health = rng.chance(0.35);
    plans.push({
      index,
      name,
      locale: english ? 'en' : 'ru',
      phone,
      birthday,
      telegramUserId: telegram ? 7_000_000_000 + index * 10 + rng.int(0, 9) : null,
      branch,
      sourceLeaf: referrer !== null ? referralLeaf : rng.weighted(sourceWeights),
      referrer,
      depth: referrer === null ? 0 : (plans[referrer]?.depth ?? 0) + 1,
      joinedAt: new Date(when.at),
      marketing: telegram && rng.chance(0.75),
      health,
      allergies: health && rng.chance(0.25) ? rng.pick(ALLERGIES) : null,
      notes: rng.chance(0.1) ? rng.pick(NOTES) : null,
      tags: rng.chance(0.12) ? [rng.pick(TAGS)] : [],
      loyalty: rng.chance(0.25) ? 4 + rng.next() * 6 : 0.3 + rng.next() * 1.5,
      imported: when.imported,
    });
    const added = plans[plans.length - 1];
    if (added && added.referrer !== null && added.depth < 3) referred.push(added);
  }
  return plans;
}

function planVisits(
  rng: Random,
  ctx: {
    plans: ClientPlan[];
    clientIds: string[];
    masters: {
      id: string;
      branch: BranchKey;
      timeZone: string;
      services: number[];
      weekly: { weekday: number; start: string; end: string }[];
      exceptions: { day: string; hours: { start: string; end: string }[] }[];
    }[];
    serviceIds: string[];
    start: Date;
    now: Date;
    deskOf: (branch: BranchKey) => (string | null)[];
  },
): HistoricalVisit[] {
  const { plans, now } = ctx;
  const horizon = now.getTime() + 14 * DAY;
  // Per branch: clients in joining order with running loyalty weights, to draw "a client who
  // had joined by then" in proportion to how often they come.
  const pools = new Map<BranchKey, { ids: number[]; joined: number[]; cumulative: number[] }>();
  for (const p of plans) {
    const pool = pools.get(p.branch) ?? { ids: [], joined: [], cumulative: [] };
    pool.ids.push(p.index);
    pool.joined.push(p.joinedAt.getTime());
    pool.cumulative.push((pool.cumulative.at(-1) ?? 0) + p.loyalty);
    pools.set(p.branch, pool);
  }
  const firstVisit = new Set<number>();
  const waiting = new Map<BranchKey, number>(); // next newcomer (position in the pool) to serve
  const upperBound = (list: number[], value: number) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] ?? 0) <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const drawClient = (branch: BranchKey, at: number): number | null => {
    const pool = pools.get(branch);
    if (!pool) return null;
    const known = upperBound(pool.joined, at);
    if (known === 0) return null;
    // Newcomers come soon after joining: serve the oldest one not yet seen, now and then.
    let next = waiting.get(branch) ?? 0;
    while (next < known && firstVisit.has(pool.ids[next] ?? -1)) next++;
    waiting.set(branch, next);
    if (next < known && rng.chance(0.35)) {
      const id = pool.ids[next] ?? 0;
      firstVisit.add(id);
      return id;
    }
    const total = pool.cumulative[known - 1] ?? 0;
    const position = Math.min(upperBound(pool.cumulative, rng.next() * total), known - 1);
    const id = pool.ids[position] ?? 0;
    firstVisit.add(id);
    return id;
  };

  const visits: HistoricalVisit[] = [];
  for (const m of ctx.masters) {
    let day = DateTime.fromJSDate(ctx.start, { zone: m.timeZone }).startOf('day');
    const weights = m.services.map((k) => [k, SERVICES[k]?.weight ?? 1] as const);
    const desk = ctx.deskOf(m.branch);
    while (day.toMillis() < horizon) {
      const progress =
        (day.toMillis() - ctx.start.getTime()) / (now.getTime() - ctx.start.getTime());
      // The share of the day booked, and from it the mean free time between visits.
      let booked = Math.min(0.95, 0.55 * (0.85 + 0.3 * Math.min(progress, 1)) * seasonFactor(day));
      const ahead = (day.toMillis() - now.getTime()) / DAY;
      if (ahead > 0) booked *= Math.max(0.15, 1 - ahead / 14);
      const meanGap = (80 * (1 - booked)) / booked;
      const gap = () => Math.round((-Math.log(1 - rng.next()) * meanGap) / 15) * 15 * 60_000;
      for (const interval of workingIntervals(
        { weekly: m.weekly, exceptions: m.exceptions },
        day,
      )) {
        let t = interval.start + gap();
        while (t < interval.end) {
          const k = rng.weighted(weights);
          const svc = SERVICES[k];
          if (!svc || t + svc.minutes * 60_000 > interval.end) {
            t += 15 * 60_000;
            continue;
          }
          const future = t > now.getTime();
          if (future && t < now.getTime() + HOUR) {
            t += 30 * 60_000;
            continue;
          }
          const who = drawClient(m.branch, t);
          if (who === null) {
            t += 30 * 60_000;
            continue;
          }
          const plan = plans[who];
          const startsAt = new Date(t);
          // Booked up to three weeks ahead, not before joining, and (for coming visits) by now.
          const bookedAt = new Date(
            Math.min(
              Math.max(plan?.joinedAt.getTime() ?? t, t - rng.int(1, 21 * 24) * HOUR),
              now.getTime() - HOUR,
              t,
            ),
          );
          const roll = rng.next();
          const status: HistoricalVisit['status'] = future
            ? t - now.getTime() < 2 * DAY && roll < 0.5
              ? 'confirmed'
              : 'booked'
            : roll < 0.07
              ? 'cancelled'
              : roll < 0.1
                ? 'no_show'
                : 'done';
          const telegram = plan?.telegramUserId != null;
          const viaBot = telegram && rng.chance(0.75);
          const cancelledAt =
            status === 'cancelled'
              ? new Date(Math.max(bookedAt.getTime(), t - rng.int(2, 72) * HOUR))
              : null;
          const amount =
            status === 'done' ? Math.round(svc.price * (rng.chance(0.06) ? 1.1 : 1)) : null;
          const rated = status === 'done' && telegram && rng.chance(0.4);
          visits.push({
            id: randomUUID(),
            masterId: m.id,
            serviceId: ctx.serviceIds[k] ?? '',
            clientId: ctx.clientIds[who] ?? null,
            startsAt,
            status,
            bookedAt: bookedAt,
            channel: viaBot ? 'bot' : 'panel',
            createdByStaffId: viaBot ? null : rng.pick(desk),
            discountPct: 0,
            amountPaid: amount,
            pointsSpent: 0,
            cancelledBy: status === 'cancelled' ? (rng.chance(0.85) ? 'client' : 'staff') : null,
            cancelledAt,
            completedByStaffId: status === 'done' ? rng.pick(desk) : null,
            couponId: null,
            feedback: rated ? rateVisit(rng) : null,
          });
          // A cancelled visit frees its time; anything else holds it with the buffer.
          const held = status === 'cancelled' ? 0 : svc.minutes + svc.buffer;
          t += Math.max(15, Math.ceil(held / 15) * 15) * 60_000 + gap();
        }
      }
      day = day.plus({ days: 1 });
    }
  }
  return visits;
}

function rateVisit(rng: Random): { score: number; comment: string | null } {
  const score = rng.weighted([
    [5, 65],
    [4, 22],
    [3, 7],
    [2, 4],
    [1, 2],
  ] as const);
  const comment =
    score <= 2
      ? rng.chance(0.8)
        ? rng.pick(BAD_COMMENTS)
        : null
      : score === 3
        ? rng.chance(0.4)
          ? rng.pick(MIDDLE_COMMENTS)
          : null
        : rng.chance(0.25)
          ? rng.pick(GOOD_COMMENTS)
          : null;
  return { score, comment };
}

async function planGreetings(
  rng: Random,
  s: Services,
  db: Kysely<Database>,
  ctx: {
    plans: ClientPlan[];
    clientIds: string[];
    visits: HistoricalVisit[];
    start: Date;
    now: Date;
    branchName: (key: BranchKey) => string;
  },
): Promise<SentGreeting[]> {
  const { plans, visits, now } = ctx;
  const byClient = new Map<string, HistoricalVisit[]>();
  for (const v of visits) {
    if (!v.clientId || !(v.status === 'done' || v.status === 'booked' || v.status === 'confirmed'))
      continue;
    const list = byClient.get(v.clientId) ?? [];
    list.push(v);
    byClient.set(v.clientId, list);
  }
  for (const list of byClient.values())
    list.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  const templates = new Map<string, string>();
  const template = async (key: string, locale: string) => {
    const id = `${key}|${locale}`;
    let body = templates.get(id);
    if (body === undefined) {
      body = await s.templates.get(key, locale);
      templates.set(id, body);
    }
    return body;
  };
  /** Redeems a coupon on the client's first coming or done visit while it is valid. */
  const redeem = (clientId: string, couponId: string, percent: number, from: Date, until: Date) => {
    const visit = (byClient.get(clientId) ?? []).find(
      (v) => v.startsAt > from && v.startsAt < until && v.couponId === null,
    );
    if (!visit || !rng.chance(0.6)) return;
    visit.couponId = couponId;
    visit.discountPct = percent;
    if (visit.amountPaid !== null)
      visit.amountPaid = Math.round(visit.amountPaid * (1 - percent / 100));
  };
  const discountOn = (clientId: string, at: Date) => {
    const since = at.getTime() - DEFAULT_RULES.levelWindowDays * DAY;
    const done = (byClient.get(clientId) ?? []).filter(
      (v) => v.status === 'done' && v.startsAt.getTime() > since && v.startsAt < at,
    );
    const spend = done.reduce((sum, v) => sum + (v.amountPaid ?? 0), 0);
    return levelFor(spend, done.length, DEFAULT_RULES).level?.percent ?? 0;
  };
  // Zone arithmetic and date formatting are slow and repeat across clients: done once each.
  const tens = new Map<string, Date>();
  const localTen = (p: ClientPlan, date: string) => {
    const zone = BRANCHES.find((b) => b.key === p.branch)?.timeZone ?? 'Europe/Moscow';
    const key = `${zone}|${date}`;
    let at = tens.get(key);
    if (!at) {
      at = DateTime.fromISO(date, { zone }).set({ hour: 10 }).toJSDate();
      tens.set(key, at);
    }
    return at;
  };
  const texts = new Map<string, string>();
  const dateText = (d: Date, locale: string) => {
    const key = `${d.getTime()}|${locale}`;
    let text = texts.get(key);
    if (text === undefined) {
      text = DateTime.fromJSDate(d)
        .setLocale(locale === 'en' ? 'en-GB' : 'ru')
        .toFormat('d MMMM');
      texts.set(key, text);
    }
    return text;
  };
  const holidays = await db
    .selectFrom('holidays')
    .select(['id', 'kind', 'month', 'day', 'weekday', 'nth'])
    .where('active', '=', true)
    .orderBy('month')
    .orderBy('name')
    .execute();
  const firstYear = DateTime.fromJSDate(ctx.start).year;
  const lastYear = DateTime.fromJSDate(now).year;
  const out: SentGreeting[] = [];
  for (const p of plans) {
    const clientId = ctx.clientIds[p.index] ?? '';
    if (!p.telegramUserId || !p.marketing) continue;
    const since = Math.max(ctx.start.getTime(), p.joinedAt.getTime());
    const branch = ctx.branchName(p.branch);
    const chatId = p.telegramUserId;
    /** A birthday or win-back greeting with its coupon, which a later visit may redeem. */
    const withCoupon = async (
      greeting: 'birthday' | 'winback',
      occurrence: string,
      sentAt: Date,
      offer: { prefix: string; percent: number; days: number },
    ) => {
      const validUntil = new Date(sentAt.getTime() + offer.days * DAY);
      const coupon = {
        id: randomUUID(),
        code: newCouponCode(offer.prefix),
        kind: greeting,
        percent: offer.percent,
        validUntil,
      };
      out.push({
        greeting,
        occurrence,
        clientId,
        chatId,
        sentAt,
        text: renderTemplate(await template(greeting, p.locale), {
          name: p.name,
          branch,
          coupon: coupon.code,
          valid_until: dateText(validUntil, p.locale),
        }),
        coupon,
      });
      redeem(clientId, coupon.id, coupon.percent, sentAt, validUntil);
    };
    for (let year = firstYear; year <= lastYear; year++) {
      if (p.birthday) {
        const sentAt = localTen(
          p,
          occurrence(
            {
              kind: 'fixed',
              month: p.birthday.month,
              day: p.birthday.day,
              weekday: null,
              nth: null,
            },
            year,
          ),
        );
        if (sentAt.getTime() > since && sentAt < now)
          await withCoupon('birthday', String(year), sentAt, {
            prefix: 'BD',
            percent: 10,
            days: 14,
          });
      }
      for (const h of holidays) {
        const date = occurrence(h, year);
        const sentAt = localTen(p, date);
        if (!(sentAt.getTime() > since && sentAt < now)) continue;
        out.push({
          greeting: `holiday:${h.id}`,
          occurrence: date,
          clientId,
          chatId: p.telegramUserId,
          sentAt,
          text: renderTemplate(await template(`holiday:${h.id}`, p.locale), {
            name: p.name,
            branch,
            discount: discountOn(clientId, sentAt),
          }),
          coupon: null,
        });
      }
    }
    // Win-back: six months after a visit with nothing since, once per lapse.
    const done = (byClient.get(clientId) ?? []).filter((v) => v.status === 'done');
    for (const [i, last] of done.entries()) {
      const due = new Date(last.startsAt);
      due.setUTCMonth(due.getUTCMonth() + 6);
      const next = done[i + 1];
      if (due >= now || (next && next.startsAt <= due)) continue;
      const sentAt = localTen(p, due.toISOString().slice(0, 10));
      if (sentAt >= now) continue;
      await withCoupon('winback', last.id, sentAt, { prefix: 'WB', percent: 15, days: 30 });
    }
  }
  return out;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `task` over `items` with at most `workers` at a time; the first failure stops it. */
async function inParallel<T>(
  items: readonly T[],
  workers: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(workers, items.length) }, async () => {
      while (!failed && next < items.length) {
        const item = items[next++] as T;
        try {
          await task(item);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
}
