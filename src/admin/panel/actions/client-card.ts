import type { ActionContext, ActionRequest, ActionResponse } from 'adminjs';
import type { AppointmentStatus, ConsentPurpose } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import { clientSummary } from '../../../domain/analytics/client-value.js';
import type { ChurnState, RfmSegment } from '../../../domain/analytics/types.js';
import { NotFoundError } from '../../../domain/errors.js';
import { currentConsents } from '../../../domain/onboarding/consents.js';
import { salonTimeZone } from '../../../domain/salon-zone.js';
import { staffScope } from '../../../domain/staff/staff-scope.js';
import { formatAmount, formatDay, formatWhen } from '../../../domain/visits/format-when.js';
import type { Services } from '../../../runtime.js';
import { can, isPanelUser, stripFields } from '../access.js';
import { Components } from '../components/loader.js';

/** At most this many friends per level are named on the card; the rest are counted. */
export const FRIENDS_SHOWN = 50;

/** A person on the card: a link to their own card; null name when erased. */
export interface CardPerson {
  id: string;
  name: string | null;
}
export interface CardFriend extends CardPerson {
  status: 'pending' | 'qualified';
  /** Whom this friend invited in turn (the second level). */
  friends: (CardPerson & { status: 'pending' | 'qualified' })[];
}
export interface CardVisit {
  id: string;
  when: string;
  service: string;
  master: string;
  branch: string;
  status: AppointmentStatus;
  price: string;
  discountPct: number;
  amountPaid: string | null;
}

/**
 * The client card as the panel shows it (components/client-card.tsx). Each key is a field of the
 * Client resource in the access table, so a role receives only the sections it may see.
 */
export type ClientCardView = {
  card: string | null;
  discount: { percent: number; level: string | null };
  points: number;
  consents: { purpose: ConsentPurpose; granted: boolean }[];
  visits: { upcoming: CardVisit[]; past: CardVisit[]; elsewhere: number };
  friends: {
    referrer: CardPerson | null;
    invited: CardFriend[];
    qualified: number;
    pending: number;
    /** Friends on either level not named (beyond FRIENDS_SHOWN). */
    more: number;
  };
  /** The client's standing in the salon as a whole (like their loyalty level). */
  value: {
    visits: number;
    spend: string;
    averageTicket: string | null;
    lastVisit: string | null;
    /** From the client's own visit rhythm (analytics' churn model). */
    expectedReturn: string | null;
    churnState: ChurnState | null;
    segment: RfmSegment | null;
  };
  source: string | null;
  referrer: CardPerson | null;
};

/** Reads a client's card as `actor` may see it (a manager: the visits of their branch). */
export type ClientCardReader = (
  clientId: string,
  locale: string,
  actor: Actor,
) => Promise<ClientCardView>;

type CardServices = Pick<
  Services,
  'cards' | 'clients' | 'loyalty' | 'referrals' | 'visits' | 'clock'
> & {
  db: Parameters<typeof currentConsents>[0];
};

/** How many visits the client has outside `branchId`. */
async function visitsElsewhere(
  db: CardServices['db'],
  clientId: string,
  branchId: string | null,
): Promise<number> {
  const row = await db
    .selectFrom('appointments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('client_id', '=', clientId)
    .$if(branchId !== null, (q) => q.where('branch_id', '<>', branchId ?? ''))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The client's own referral tree: who invited them, whom they invited, and whom those did. */
async function friendsOf(
  s: CardServices,
  clientId: string,
  referrerId: string | null,
  actor: Actor,
): Promise<{ friends: ClientCardView['friends']; referrer: CardPerson | null }> {
  const [summary, tree] = await Promise.all([
    s.referrals.summary(clientId),
    s.referrals.tree(clientId, 2),
  ]);
  const first = tree.filter((n) => n.depth === 1);
  const second = tree.filter((n) => n.depth === 2);
  const shownFirst = first.slice(0, FRIENDS_SHOWN);
  const shownIds = new Set(shownFirst.map((n) => n.clientId));
  const shownSecond = second.filter((n) => shownIds.has(n.referrerId)).slice(0, FRIENDS_SHOWN);
  const ids = [
    ...(referrerId ? [referrerId] : []),
    ...shownFirst.map((n) => n.clientId),
    ...shownSecond.map((n) => n.clientId),
  ];
  const people = await s.clients.findManyById(ids);
  // Other clients' names are read here: audited like a list page.
  if (people.size > 0)
    await s.clients.recordListRead(actor, {
      rows: people.size,
      filters: ['referrals'],
      offset: 0,
      limit: 1 + 2 * FRIENDS_SHOWN,
    });
  const person = (id: string): CardPerson => ({ id, name: people.get(id)?.name ?? null });
  const referrer = referrerId ? person(referrerId) : null;
  return {
    referrer,
    friends: {
      referrer,
      invited: shownFirst.map((n) => ({
        ...person(n.clientId),
        status: n.status,
        friends: shownSecond
          .filter((m) => m.referrerId === n.clientId)
          .map((m) => ({ ...person(m.clientId), status: m.status })),
      })),
      qualified: summary.qualified,
      pending: summary.pending,
      more: first.length - shownFirst.length + (second.length - shownSecond.length),
    },
  };
}

/** Builds the card from the domain services: card, level, points, friends, consents, visits. */
export function clientCardReader(s: CardServices): ClientCardReader {
  return async (clientId, locale, actor) => {
    const now = s.clock();
    // A client is shared by the salon, their visits are not: a manager sees their own branch's
    // and a count of the others (docs/security.md, finding 6).
    const scope = await staffScope(s.db, actor);
    const branchId =
      scope.kind === 'all' ? undefined : scope.kind === 'branch' ? scope.branchId : null;
    const [card, standing, consents, visits, elsewhere, value, zone] = await Promise.all([
      s.cards.activeCard(clientId),
      s.loyalty.standing(clientId, now),
      currentConsents(s.db, clientId),
      branchId === null
        ? { upcoming: [], past: [] }
        : s.visits.forClient(clientId, now, branchId === undefined ? {} : { branchId }),
      branchId === undefined ? 0 : visitsElsewhere(s.db, clientId, branchId),
      clientSummary(s.db, clientId, now).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      }),
      salonTimeZone(s.db),
    ]);
    const { friends, referrer } = await friendsOf(s, clientId, value?.referrerId ?? null, actor);
    const visit = (v: (typeof visits.upcoming)[number]): CardVisit => ({
      id: v.id,
      when: formatWhen(v.startsAt, v.timeZone, locale),
      service: v.service,
      master: v.master,
      branch: v.branch,
      status: v.status,
      price: formatAmount(v.price),
      discountPct: v.discountPct,
      amountPaid: v.amountPaid === null ? null : formatAmount(v.amountPaid),
    });
    return {
      card,
      discount: { percent: standing.base, level: standing.level?.name ?? null },
      points: standing.points,
      consents: (Object.entries(consents) as [ConsentPurpose, boolean][]).map(
        ([purpose, granted]) => ({ purpose, granted }),
      ),
      visits: {
        upcoming: visits.upcoming.map(visit),
        past: visits.past.map(visit),
        elsewhere,
      },
      friends,
      value: {
        visits: value?.visits ?? 0,
        spend: formatAmount(value?.spend ?? 0),
        averageTicket: value?.visits ? formatAmount(value.avgTicket) : null,
        lastVisit: value?.lastVisitAt ? formatWhen(value.lastVisitAt, zone, locale) : null,
        expectedReturn: value?.expectedReturnAt
          ? formatDay(value.expectedReturnAt, zone, locale)
          : null,
        churnState: value?.churnState ?? null,
        segment: value?.segment ?? null,
      },
      source: value?.sourceName ?? null,
      referrer,
    };
  };
}

/**
 * The client card as a record action (components/client-card.tsx): it only reads, so a GET is
 * all it answers. The record was loaded (and its reading audited) through the client store;
 * the card's sections go through the role's field rules like any field of the record.
 */
export function clientCardAction(read: ClientCardReader) {
  return {
    actionType: 'record' as const,
    icon: 'CreditCard',
    component: Components.ClientCard,
    showInDrawer: false,
    isAccessible: ({ currentAdmin }: ActionContext) => can(currentAdmin, 'Client', 'card'),
    handler: async (
      _request: ActionRequest,
      _reply: unknown,
      context: ActionContext,
    ): Promise<ActionResponse> => {
      const user = context.currentAdmin;
      const record = context.record;
      if (!isPanelUser(user) || !record) throw new Error('no user or record');
      const actor: Actor = { type: 'staff', id: user.id, ip: (user as { ip?: string }).ip ?? null };
      const view = await read(String(record.id()), user.locale, actor);
      const json = record.toJSON(user);
      return {
        record: {
          ...json,
          params: { ...json.params, cardView: stripFields(user, 'Client', view) },
        },
      };
    },
  };
}
