import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../../../db/schema.js';
import type { Actor } from '../../../domain/actor.js';
import { InvalidInputError } from '../../../domain/errors.js';
import type { Audience } from '../../../domain/greetings/greeting-service.js';
import { nextOccurrence } from '../../../domain/greetings/holiday-dates.js';
import type { HolidayInput, HolidayService } from '../../../domain/greetings/holiday-service.js';
import { salonTimeZone } from '../../../domain/salon-zone.js';
import { HOLIDAY } from '../resources/greetings.js';
import { bool, defined, num, str } from './catalogue-records.js';
import type { Params } from './record-store.js';
import { TableRecords } from './table-records.js';

const MAX_LIST_TEXT = 5000;

/** The domain's field names, as the form calls them. */
function formField(field: string): string {
  if (field === 'localHour') return 'local_hour';
  if (field === 'audience' || field === 'audience.kind') return 'audience_kind';
  if (field.startsWith('audience.months')) return 'audience_months';
  if (field.startsWith('audience.')) return 'audience_values';
  return field.split('.')[0] ?? field;
}

async function onForm<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidInputError)
      throw new InvalidInputError(formField(err.field), err.code);
    throw err;
  }
}

const list = (text: string) => {
  if (text.length > MAX_LIST_TEXT) throw new InvalidInputError('audience_values', 'too-long');
  return [
    ...new Set(
      text
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
};

/**
 * Holidays for greetings. The audience is edited as three plain fields: its kind, a comma list
 * (tags, levels or branch names) and months for "visited recently".
 */
export class HolidayRecords extends TableRecords {
  constructor(
    private readonly database: Kysely<Database>,
    private readonly holidays: HolidayService,
  ) {
    super(database, HOLIDAY, 'holidays', { column: 'month', direction: 'asc' });
  }

  private async today(): Promise<string> {
    return (
      DateTime.now()
        .setZone(await salonTimeZone(this.database))
        .toISODate() ?? ''
    );
  }

  protected override async decorate(rows: Params[]): Promise<Params[]> {
    if (rows.length === 0) return rows;
    const [today, branches] = await Promise.all([
      this.today(),
      this.database.selectFrom('branches').select(['id', 'name']).execute(),
    ]);
    return rows.map((row) => {
      const audience = this.holidays.audienceOf(String(row.id), row.audience) ?? undefined;
      const values =
        audience?.kind === 'tags'
          ? audience.tags
          : audience?.kind === 'level'
            ? audience.levels
            : audience?.kind === 'branch'
              ? audience.branchIds.map((id) => branches.find((b) => b.id === id)?.name ?? id)
              : [];
      return {
        ...row,
        audience_kind: audience?.kind ?? 'all',
        audience_values: values.join(', '),
        audience_months: audience?.kind === 'recent' ? audience.months : null,
        next_date: nextOccurrence(
          {
            kind: row.kind as 'fixed' | 'nth-weekday',
            month: Number(row.month),
            day: row.day as number | null,
            weekday: row.weekday as number | null,
            nth: row.nth as number | null,
          },
          today,
        ),
      };
    });
  }

  /** The audience from the form's three fields; undefined when the form did not send its kind. */
  private async audience(p: Params): Promise<Audience | undefined> {
    const kind = str(p, 'audience_kind');
    if (kind === undefined || kind === '') return undefined;
    const values = list(str(p, 'audience_values') ?? '');
    switch (kind) {
      case 'all':
        return { kind: 'all' };
      case 'tags':
        return { kind: 'tags', tags: values };
      case 'level':
        return { kind: 'level', levels: values };
      case 'branch': {
        if (values.length > 100) throw new InvalidInputError('audience_values', 'too-many');
        const branches = await this.database
          .selectFrom('branches')
          .select(['id', 'name'])
          .execute();
        const ids = values.map(
          (v) => branches.find((b) => b.name.toLowerCase() === v.toLowerCase() || b.id === v)?.id,
        );
        if (ids.some((id) => id === undefined))
          throw new InvalidInputError('audience_values', 'invalid');
        return { kind: 'branch', branchIds: ids as string[] };
      }
      case 'recent':
        return { kind: 'recent', months: num(p, 'audience_months') ?? Number.NaN };
      default:
        throw new InvalidInputError('audience_kind', 'invalid');
    }
  }

  private async input(p: Params): Promise<Partial<HolidayInput>> {
    const kind = str(p, 'kind');
    return defined({
      name: str(p, 'name'),
      kind: kind as HolidayInput['kind'] | undefined,
      month: num(p, 'month'),
      day: num(p, 'day'),
      weekday: num(p, 'weekday'),
      nth: num(p, 'nth'),
      localHour: num(p, 'local_hour'),
      audience: await this.audience(p),
      active: bool(p, 'active'),
    });
  }

  async create(params: Params, actor: Actor): Promise<Params> {
    const id = await onForm(async () => {
      const v = await this.input(params);
      return this.holidays.create(
        {
          ...v,
          name: v.name ?? '',
          kind: v.kind ?? ('' as HolidayInput['kind']),
          month: v.month ?? Number.NaN,
        },
        actor,
      );
    });
    return (await this.findOne(id)) ?? {};
  }

  async update(id: string, params: Params, actor: Actor): Promise<Params> {
    await onForm(async () => this.holidays.update(id, await this.input(params), actor));
    return (await this.findOne(id)) ?? {};
  }
}
