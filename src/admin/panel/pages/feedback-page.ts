import type { AdminPage } from 'adminjs';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Crypto } from '../../../crypto/crypto.js';
import type { Database } from '../../../db/schema.js';
import type { ClientService } from '../../../domain/clients/client-service.js';
import { InvalidInputError, NotFoundError } from '../../../domain/errors.js';
import { markFeedbackHandled, replyToFeedback } from '../../../domain/feedback/feedback-actions.js';
import {
  type FeedbackItem,
  feedbackInbox,
  type InboxScope,
  MAX_FEEDBACK_REPLY,
  type ScoreDistribution,
  scoreDistribution,
} from '../../../domain/feedback/feedback-inbox.js';
import type { Translate } from '../../../domain/messages/translate.js';
import { salonTimeZone } from '../../../domain/salon-zone.js';
import { getSetting } from '../../../domain/settings.js';
import type { Clock } from '../../../domain/shared/clock.js';
import { staffScope } from '../../../domain/staff/staff-scope.js';
import { can, canOpenPage, type PanelUser } from '../access.js';
import { Components } from '../components/loader.js';
import { readRequest } from '../request-schema.js';
import { type Masked, maskSmall } from './analytics-privacy.js';
import {
  isPost,
  type PageContext,
  type PageReply,
  type PageRequest,
  pageUser,
  refuse,
  staffActor,
} from './page-input.js';

export const FEEDBACK_PAGE = 'feedback';

const uuid = z.string().uuid();
const filterSchema = z
  .object({
    branch: uuid.optional(),
    master: uuid.optional(),
    score: z.coerce.number().int().min(1).max(5).optional(),
    kind: z.enum(['rating', 'message']).optional(),
    state: z.enum(['open', 'handled', 'all']).optional(),
    offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();

const changeSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.enum(['handle', 'reopen']),
      kind: z.enum(['rating', 'message']),
      id: uuid,
    })
    .strict(),
  z
    .object({
      action: z.literal('reply'),
      kind: z.enum(['rating', 'message']),
      id: uuid,
      text: z.string().max(MAX_FEEDBACK_REPLY * 2),
    })
    .strict(),
]);

/** An item as the page shows it: times in the salon's zone. */
export interface FeedbackRow extends Omit<FeedbackItem, 'createdAt' | 'handledAt' | 'visitAt'> {
  createdAt: string;
  handledAt: string | null;
  visitAt: string | null;
}

/** The distribution as a role sees it: analysts get "<5" for small cells. */
export interface DistributionView {
  counts: { score: number; ratings: Masked }[];
  ratings: Masked;
  average: number | null;
  withComment: Masked;
  unhandledLow: Masked;
}

export interface FeedbackPageData {
  /** Whether the role sees the items (and the clients behind them) or only the distribution. */
  seesItems: boolean;
  canChange: boolean;
  distribution: DistributionView;
  inbox: { items: FeedbackRow[]; total: number; offset: number; pageSize: number } | null;
  branches: { id: string; name: string }[];
  masters: { id: string; name: string; branchId: string }[];
  lowAtMost: number;
  zone: string;
}

function distributionFor(d: ScoreDistribution, aggregatesOnly: boolean): DistributionView {
  const m = (n: number) => (aggregatesOnly ? maskSmall(n) : n);
  return {
    counts: d.counts.map((c) => ({ score: c.score, ratings: m(c.ratings) })),
    ratings: m(d.ratings),
    // An average of fewer than five ratings is one person's opinion: hidden like the count.
    average: aggregatesOnly && d.ratings < 5 ? null : d.average,
    withComment: m(d.withComment),
    unhandledLow: m(d.unhandledLow),
  };
}

/**
 * The feedback inbox (issue 12, point 6): ratings with comments and /feedback messages, low
 * scores first; staff who see clients mark items handled and reply through the bot; analysts
 * see how the scores are distributed and nothing else.
 */
export function feedbackPage(deps: {
  db: Kysely<Database>;
  crypto: Crypto;
  clients: ClientService;
  translate: Translate;
  clock?: Clock;
}): AdminPage {
  const now = () => deps.clock?.() ?? new Date();

  async function scopeOf(user: PanelUser): Promise<InboxScope | null> {
    const scope = await staffScope(deps.db, { type: 'staff', id: user.id });
    if (scope.kind === 'all') return { branchId: null };
    if (scope.kind === 'branch') return { branchId: scope.branchId };
    // Analysts read the whole salon's distribution; they never see an item.
    if (user.role === 'analyst') return { branchId: null };
    return null;
  }

  async function view(
    user: PanelUser,
    request: PageRequest,
    filter: z.infer<typeof filterSchema>,
  ): Promise<FeedbackPageData> {
    const seesItems = can(user, 'Client', 'list');
    const scope = await scopeOf(user);
    const [zone, lowAtMost, branches, masters] = await Promise.all([
      salonTimeZone(deps.db),
      getSetting(deps.db, 'feedback.alert_max_score'),
      deps.db
        .selectFrom('branches')
        .select(['id', 'name'])
        .$if(scope?.branchId != null, (q) => q.where('id', '=', scope?.branchId ?? ''))
        .orderBy('name')
        .execute(),
      deps.db
        .selectFrom('masters')
        .select(['id', 'display_name as name', 'branch_id as branchId'])
        .$if(scope?.branchId != null, (q) => q.where('branch_id', '=', scope?.branchId ?? ''))
        .orderBy('display_name')
        .execute(),
    ]);
    const empty: ScoreDistribution = {
      counts: [1, 2, 3, 4, 5].map((score) => ({ score, ratings: 0 })),
      ratings: 0,
      average: null,
      withComment: 0,
      unhandledLow: 0,
    };
    const inboxFilter = {
      branchId: filter.branch,
      masterId: filter.master,
      score: filter.score,
      kind: filter.kind,
      state: filter.state ?? 'all',
      offset: filter.offset,
    };
    const distribution = scope
      ? await scoreDistribution(deps.db, inboxFilter, scope, lowAtMost)
      : empty;
    const at = (d: Date | null) =>
      d === null ? null : DateTime.fromJSDate(d, { zone }).toFormat('yyyy-MM-dd HH:mm');
    let inbox: FeedbackPageData['inbox'] = null;
    if (seesItems) {
      const page = scope
        ? await feedbackInbox(
            deps.db,
            { crypto: deps.crypto, clients: deps.clients },
            staffActor(user, request),
            inboxFilter,
            scope,
          )
        : { items: [], total: 0, offset: 0, pageSize: 0 };
      inbox = {
        ...page,
        items: page.items.map((i) => ({
          ...i,
          createdAt: at(i.createdAt) ?? '',
          handledAt: at(i.handledAt),
          visitAt: at(i.visitAt),
        })),
      };
    }
    return {
      seesItems,
      canChange: canOpenPage(user, FEEDBACK_PAGE, 'POST'),
      distribution: distributionFor(distribution, !seesItems),
      inbox,
      branches,
      masters,
      lowAtMost,
      zone,
    };
  }

  return {
    component: Components.Feedback,
    icon: 'MessageSquare',
    handler: async (request: PageRequest, reply: PageReply, context: PageContext) => {
      const user = pageUser(FEEDBACK_PAGE, request, context);
      if (!isPost(request)) {
        const read = readRequest(filterSchema, request.query);
        if ('errors' in read) return refuse(reply, 400, read);
        return view(user, request, read.data);
      }
      const read = readRequest(changeSchema, request.payload);
      if ('errors' in read) return refuse(reply, 400, read);
      const scope = await scopeOf(user);
      if (!scope) return refuse(reply, 404, { errors: { id: { key: 'notFound' } } });
      const actor = staffActor(user, request);
      const change = read.data;
      try {
        if (change.action === 'reply') {
          const { queued } = await replyToFeedback(
            deps.db,
            { crypto: deps.crypto, translate: deps.translate },
            actor,
            { kind: change.kind, id: change.id },
            change.text,
            scope,
            now(),
          );
          return { done: 'reply', queued };
        }
        await markFeedbackHandled(
          deps.db,
          actor,
          { kind: change.kind, id: change.id },
          change.action === 'handle',
          scope,
          now(),
        );
        return { done: change.action };
      } catch (err) {
        if (err instanceof NotFoundError)
          return refuse(reply, 404, { errors: { id: { key: 'notFound' } } });
        if (err instanceof InvalidInputError)
          return refuse(reply, 400, {
            errors: {
              [err.field === 'reply' ? 'text' : err.field]: {
                key: err.code === 'too-long' ? 'tooLong' : err.code,
                ...(err.code === 'too-long' ? { params: { max: MAX_FEEDBACK_REPLY } } : {}),
              },
            },
          });
        throw err;
      }
    },
  };
}
