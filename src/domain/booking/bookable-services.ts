import type { Db } from '../shared/transaction.js';

/** The bot's menu of services (not the salon's catalogue, which CatalogueService edits). */
export interface BookableServices {
  branches: { id: string; name: string; timeZone: string }[];
  services: {
    id: string;
    name: string;
    category: string;
    durationMin: number;
    price: string;
    branchIds: string[];
  }[];
}

/**
 * What a client can book: active branches, and the active services someone performs there,
 * with the branches each is offered in.
 */
export async function bookableServices(db: Db): Promise<BookableServices> {
  const rows = await db
    .selectFrom('services as s')
    .innerJoin('master_services as ms', 'ms.service_id', 's.id')
    .innerJoin('masters as m', 'm.id', 'ms.master_id')
    .innerJoin('branches as b', 'b.id', 'm.branch_id')
    .select([
      's.id',
      's.name',
      's.category',
      's.duration_min',
      's.price',
      'b.id as branchId',
      'b.name as branchName',
      'b.time_zone',
    ])
    .where('s.active', '=', true)
    .where('m.active', '=', true)
    .where('b.active', '=', true)
    .where((eb) => eb.or([eb('s.branch_id', 'is', null), eb('s.branch_id', '=', eb.ref('b.id'))]))
    .orderBy('b.name')
    .orderBy('s.category')
    .orderBy('s.name')
    .execute();
  const branches = new Map<string, BookableServices['branches'][number]>();
  const services = new Map<string, BookableServices['services'][number]>();
  for (const r of rows) {
    branches.set(r.branchId, { id: r.branchId, name: r.branchName, timeZone: r.time_zone });
    const service = services.get(r.id) ?? {
      id: r.id,
      name: r.name,
      category: r.category,
      durationMin: r.duration_min,
      price: String(r.price),
      branchIds: [],
    };
    if (!service.branchIds.includes(r.branchId)) service.branchIds.push(r.branchId);
    services.set(r.id, service);
  }
  return { branches: [...branches.values()], services: [...services.values()] };
}
