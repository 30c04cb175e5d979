import type { AdminPage } from 'adminjs';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Database } from '../../../db/schema.js';
import { type BookingService, SlotTakenError } from '../../../domain/booking/booking-service.js';
import type { ClientService } from '../../../domain/clients/client-service.js';
import { InvalidInputError, NotFoundError } from '../../../domain/errors.js';
import { isUuid } from '../../../domain/shared/ids.js';
import {
  assertMayBookIn,
  coversBranch,
  OutsideBranchError,
  type StaffScope,
  staffScope,
} from '../../../domain/staff/staff-scope.js';
import { Components } from '../components/loader.js';
import { ADMIN_ROOT } from '../paths.js';
import { readRequest } from '../request-schema.js';
import {
  adminPage,
  type FieldErrors,
  isPost,
  type PageReply,
  pageUser,
  refuse,
  staffActor,
} from './page-input.js';

export const BOOKING_PAGE = 'booking';
const SEARCH_LIMIT = 10;

const uuid = z.string().refine(isUuid);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const optional = <T extends z.ZodType>(s: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), s.optional());

/** What the page asks for its choices (GET query): all optional, the first of each is taken. */
const choiceSchema = z.object({
  branch: optional(uuid),
  service: optional(uuid),
  master: optional(uuid),
  day: optional(day),
});
const searchSchema = z.object({
  op: z.literal('search'),
  query: z.string().trim().min(2).max(100),
});
const bookSchema = z.object({
  op: z.literal('book'),
  // Any text: whoever may not book everywhere is refused by the branch rule first (403).
  branch: optional(z.string().max(10_000)),
  service: uuid,
  master: optional(uuid),
  at: z.coerce.number().int().positive().max(8_640_000_000_000_000),
  /** An existing client picked from the search, or a new one by phone and name. */
  client: optional(uuid),
  phone: z.string().trim().max(40).optional(),
  name: z.string().trim().max(200).optional(),
});

type Choice = z.infer<typeof choiceSchema>;

/**
 * Walk-in booking at the desk: branch, service, master (or any) and day give the free times,
 * the bot's offers without the clients' minimum lead time; the client is found by phone or
 * name, or created; booking goes through the same guarantee against double booking.
 */
export function bookingPage(deps: {
  db: Kysely<Database>;
  booking: BookingService;
  clients: ClientService;
  now?: () => Date;
}): AdminPage {
  const now = () => deps.now?.() ?? new Date();

  /** The choices offered for what is chosen so far, and the free times once a service is. */
  async function choices(scope: StaffScope, choice: Choice) {
    const catalogue = await deps.booking.bookableServices();
    // Only the branches this person may book into are offered (a manager: their own).
    const branches = catalogue.branches.filter((b) => coversBranch(scope, b.id));
    const branch = branches.find((b) => b.id === choice.branch) ?? branches[0];
    const services = catalogue.services.filter((s) => branch && s.branchIds.includes(branch.id));
    const service = services.find((s) => s.id === choice.service);
    const masters = service
      ? (await deps.booking.mastersFor(service.id)).filter((m) => m.branchId === branch?.id)
      : [];
    const master = masters.find((m) => m.masterId === choice.master);
    const zone = branch?.timeZone ?? 'UTC';
    const date = choice.day ?? DateTime.fromJSDate(now(), { zone }).toISODate() ?? '';
    let times: { at: number; label: string }[] | null = null;
    if (service && branch) {
      const start = DateTime.fromISO(date, { zone });
      const offers = await deps.booking.offers(
        service.id,
        master?.masterId ?? null,
        now(),
        { from: start.toJSDate(), to: start.plus({ days: 1 }).toJSDate() },
        { leadTime: false, branchId: branch.id },
      );
      times = [...new Set(offers.map((o) => o.startsAt.getTime()))].map((at) => ({
        at,
        label: DateTime.fromMillis(at, { zone }).toFormat('HH:mm'),
      }));
    }
    return {
      branches: branches.map((b) => ({ id: b.id, name: b.name })),
      services: services.map((s) => ({
        id: s.id,
        name: s.name,
        durationMin: s.durationMin,
        price: s.price,
      })),
      masters: masters.map((m) => ({ id: m.masterId, name: m.masterName })),
      choice: {
        branch: branch?.id ?? '',
        service: service?.id ?? '',
        master: master?.masterId ?? '',
        day: date,
      },
      times,
    };
  }

  async function search(input: z.infer<typeof searchSchema>, actor: ReturnType<typeof staffActor>) {
    const byPhone = /^[+\d\s()-]+$/.test(input.query);
    const found = byPhone
      ? await deps.clients.findByPhone(input.query)
      : await deps.clients.findByName(input.query);
    const shown = found.slice(0, SEARCH_LIMIT);
    await deps.clients.recordListRead(actor, {
      rows: shown.length,
      filters: [byPhone ? 'phone' : 'name'],
      offset: 0,
      limit: SEARCH_LIMIT,
    });
    return { clients: shown.map((c) => ({ id: c.id, name: c.name ?? '', phone: c.phone ?? '' })) };
  }

  async function book(
    reply: PageReply,
    input: z.infer<typeof bookSchema>,
    scope: StaffScope,
    actor: ReturnType<typeof staffActor>,
  ) {
    const fail = (status: number, errors: FieldErrors) => refuse(reply, status, { errors });
    // Whoever is not allowed everywhere books into a branch they work in, named or implied;
    // checked before anything (a new client included) is written.
    const branchId = input.branch ?? (scope.kind === 'branch' ? scope.branchId : undefined);
    if (scope.kind !== 'all') {
      try {
        assertMayBookIn(scope, branchId ?? '');
        // A master chosen from another branch is refused too, not left to fail later.
        const master = input.master
          ? await deps.db
              .selectFrom('masters')
              .select('branch_id')
              .where('id', '=', input.master)
              .executeTakeFirst()
          : undefined;
        if (master) assertMayBookIn(scope, master.branch_id);
      } catch (err) {
        if (!(err instanceof OutsideBranchError)) throw err;
        return fail(403, { branch: { key: 'outside' } });
      }
    }
    if (branchId !== undefined && !uuid.safeParse(branchId).success)
      return fail(400, { branch: { key: 'invalid' } });
    let clientId = input.client;
    if (clientId === undefined) {
      const phone = input.phone ?? '';
      if (phone === '') return fail(400, { phone: { key: 'needClient' } });
      try {
        const [existing] = await deps.clients.findByPhone(phone);
        if (existing) clientId = existing.id;
        else {
          if (!input.name) return fail(400, { name: { key: 'needName' } });
          clientId = (await deps.clients.create({ name: input.name, phone }, actor)).id;
        }
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        return err.field === 'phone'
          ? fail(400, { phone: { key: 'badPhone' } })
          : fail(400, { name: { key: 'badName' } });
      }
    } else if (!(await deps.clients.findById(clientId))) {
      return fail(400, { client: { key: 'noClient' } });
    }
    try {
      const booked = await deps.booking.bookForStaff(
        {
          clientId,
          serviceId: input.service,
          masterId: input.master ?? null,
          startsAt: new Date(input.at),
          ...(branchId ? { branchId } : {}),
        },
        actor,
        now(),
      );
      return {
        booked: {
          id: booked.id,
          href: `${ADMIN_ROOT}/resources/Visit/records/${booked.id}/show`,
        },
      };
    } catch (err) {
      if (err instanceof SlotTakenError) return fail(409, { at: { key: 'taken' } });
      if (err instanceof NotFoundError) return fail(400, { at: { key: 'pickTime' } });
      if (err instanceof InvalidInputError) return fail(400, { at: { key: 'pickTime' } });
      throw err;
    }
  }

  return adminPage(Components.Booking, 'Calendar', async (request, reply, context) => {
    const user = pageUser(BOOKING_PAGE, request, context);
    const actor = staffActor(user, request);
    const scope = await staffScope(deps.db, actor);
    if (!isPost(request)) {
      const read = readRequest(choiceSchema, request.query);
      if ('errors' in read) return refuse(reply, 400, read);
      return choices(scope, read.data);
    }
    const op = (request.payload as { op?: unknown } | undefined)?.op;
    if (op === 'search') {
      const read = readRequest(searchSchema, request.payload);
      if ('errors' in read) return refuse(reply, 400, read);
      return search(read.data, actor);
    }
    const read = readRequest(bookSchema, request.payload);
    if ('errors' in read) return refuse(reply, 400, read);
    return book(reply, read.data, scope, actor);
  });
}
