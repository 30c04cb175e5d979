import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import { ConflictError, InvalidInputError } from '../../../domain/errors.js';
import { clientsPerSource, type SourceService } from '../../../domain/onboarding/sources.js';
import { getSetting } from '../../../domain/settings.js';
import { ACQUISITION_SOURCE } from '../resources/greetings.js';
import { bool, defined, orNull, str } from './catalogue-records.js';
import type { Params } from './record-store.js';
import { TableRecords } from './table-records.js';

const FORM_FIELD: Record<string, string> = { parentId: 'parent_id', linkCode: 'link_code' };

async function onForm<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidInputError)
      throw new InvalidInputError(FORM_FIELD[err.field] ?? err.field, err.code);
    if (err instanceof ConflictError)
      throw new ConflictError(FORM_FIELD[err.field] ?? err.field, err.code);
    throw err;
  }
}

/** The deep link a source's code makes: the full t.me link when the bot's name is known. */
export function sourceLink(botUsername: string, code: string): string {
  const start = `src_${code}`;
  return /^[A-Za-z0-9_]{5,32}$/.test(botUsername)
    ? `https://t.me/${botUsername}?start=${start}`
    : start;
}

/**
 * The tree of acquisition sources (a channel and its campaigns), with each node's deep link
 * and how many clients came from it: a count, never who.
 */
export class AcquisitionSourceRecords extends TableRecords {
  constructor(
    private readonly database: Kysely<Database>,
    private readonly sources: SourceService,
  ) {
    super(database, ACQUISITION_SOURCE, 'acquisition_sources', {
      column: 'name',
      direction: 'asc',
    });
  }

  protected override async decorate(rows: Params[]): Promise<Params[]> {
    if (rows.length === 0) return rows;
    const [bot, counts] = await Promise.all([
      getSetting(this.database, 'bot.username'),
      clientsPerSource(
        this.database,
        rows.map((r) => String(r.id)),
      ),
    ]);
    return rows.map((r) => ({
      ...r,
      deep_link: typeof r.link_code === 'string' ? sourceLink(bot, r.link_code) : null,
      clients: counts.get(String(r.id)) ?? 0,
    }));
  }

  private input(p: Params) {
    return defined({
      name: str(p, 'name'),
      parentId: orNull(str(p, 'parent_id')),
      linkCode: orNull(str(p, 'link_code')),
      active: bool(p, 'active'),
    });
  }

  async create(params: Params, actor: Actor): Promise<Params> {
    const v = this.input(params);
    const id = await onForm(() => this.sources.create({ ...v, name: v.name ?? '' }, actor));
    return (await this.findOne(id)) ?? {};
  }

  async update(id: string, params: Params, actor: Actor): Promise<Params> {
    await onForm(() => this.sources.update(id, this.input(params), actor));
    return (await this.findOne(id)) ?? {};
  }
}
