import type { StaffRole } from '../../src/db/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import { SYSTEM_ACTOR } from '../../src/domain/actor.js';
import type { Services } from '../../src/runtime.js';
import { SALON_ZONE } from './clock.js';

/** The actor of set-up steps: the system, as in the product's own jobs. */
export const SYSTEM: Actor = SYSTEM_ACTOR;

/** A password every seeded staff account shares; long enough for the default policy. */
export const STAFF_PASSWORD = 'a long enough password';

export interface ServiceSpec {
  name: string;
  category: string;
  durationMin: number;
  price: number;
  bufferMin?: number;
  /** Offered in this salon's branch only (else in every branch). */
  branchOnly?: boolean;
}

export interface MasterSpec {
  name: string;
  /** An existing staff account, or `staff` to create one (role master, in this branch). */
  staffUserId?: string | null;
  staff?: { email: string; telegramUserId?: number; locale?: 'ru' | 'en' };
  /** What the master performs, by index into the salon's services (all of them unless given). */
  services?: { service: number; price?: number }[];
}

export interface SalonSpec {
  zone?: string;
  /** The branch to make; or `branchId`, one made before (e.g. by addBranch). */
  branch?: { name?: string; phone?: string; address?: string };
  branchId?: string;
  /**
   * The first is `service` in the result; one haircut unless given. An id stands for a service
   * made before (by another seedSalon), offered here too.
   */
  services?: (ServiceSpec | string)[];
  masters: MasterSpec[];
  /** Every master's hours: 09:00–21:00 on every weekday (1 = Monday … 7) unless given. */
  hours?: { start: string; end: string; weekdays?: number[] };
}

export interface Salon {
  branch: string;
  service: string;
  services: string[];
  masters: string[];
}

const HAIRCUT: ServiceSpec = { name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 1000 };

/**
 * A salon's catalogue made the way the panel makes it (the catalogue service, validated and
 * audited): one branch, its services, and masters who work them every day. Ids come back in the
 * order given.
 */
export async function seedSalon(s: Services, spec: SalonSpec): Promise<Salon> {
  const branch = spec.branchId ?? (await addBranch(s, { ...spec.branch, zone: spec.zone }));
  const services: string[] = [];
  for (const service of spec.services ?? [HAIRCUT]) {
    if (typeof service === 'string') {
      services.push(service);
      continue;
    }
    const { branchOnly, ...input } = service;
    services.push(
      await s.catalogue.createService({ ...input, branchId: branchOnly ? branch : null }, SYSTEM),
    );
  }
  const { weekdays = [1, 2, 3, 4, 5, 6, 7], ...hours } = spec.hours ?? {
    start: '09:00',
    end: '21:00',
  };
  const masters: string[] = [];
  for (const m of spec.masters) {
    const staffUserId = m.staff
      ? await addStaff(s, { ...m.staff, role: 'master', displayName: m.name, branchId: branch })
      : (m.staffUserId ?? null);
    const id = await s.catalogue.createMaster(
      { branchId: branch, displayName: m.name, staffUserId },
      SYSTEM,
    );
    const performs: { service: number; price?: number }[] =
      m.services ?? services.map((_, service) => ({ service }));
    await s.catalogue.setMasterServices(
      id,
      performs.map((p) => ({ serviceId: services[p.service] ?? '', price: p.price ?? null })),
      SYSTEM,
    );
    await s.catalogue.setWeeklyHours(
      id,
      weekdays.map((weekday) => ({ weekday, ...hours })),
      SYSTEM,
    );
    masters.push(id);
  }
  return { branch, service: services[0] ?? '', services, masters };
}

/** A branch alone (the catalogue service, as the panel makes it), in the tests' zone unless given. */
export async function addBranch(
  s: Pick<Services, 'catalogue'>,
  spec: { name?: string; zone?: string | undefined; phone?: string; address?: string } = {},
): Promise<string> {
  return s.catalogue.createBranch(
    {
      name: spec.name ?? 'Центр',
      timeZone: spec.zone ?? SALON_ZONE,
      phone: spec.phone ?? null,
      address: spec.address ?? null,
    },
    SYSTEM,
  );
}

/**
 * A staff account (through the staff service), optionally linked to a Telegram user as a
 * redeemed link code would leave it. Returns the account's id.
 */
export async function addStaff(
  s: Services,
  spec: {
    email: string;
    role: StaffRole;
    displayName?: string;
    branchId?: string | null;
    telegramUserId?: number;
    locale?: 'ru' | 'en';
  },
): Promise<string> {
  const { user } = await s.staff.create(
    {
      email: spec.email,
      displayName: spec.displayName ?? spec.email,
      role: spec.role,
      password: STAFF_PASSWORD,
      ...(spec.branchId !== undefined ? { branchId: spec.branchId } : {}),
      ...(spec.locale ? { locale: spec.locale } : {}),
    },
    SYSTEM,
  );
  if (spec.telegramUserId !== undefined) {
    const { code } = await s.staff.createLinkCode(spec.email, SYSTEM);
    await s.staff.redeemLinkCode(code, spec.telegramUserId);
  }
  return user.id;
}
