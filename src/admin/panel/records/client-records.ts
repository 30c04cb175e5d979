import type { Actor } from '../../../domain/actor.js';
import type { Client, ClientInput, ClientService } from '../../../domain/clients/client-service.js';
import { parseBirthday } from '../../../domain/clients/normalise.js';
import { InvalidInputError } from '../../../domain/errors.js';
import { isValidCardNumber } from '../../../domain/loyalty/card-number.js';
import type { CardService } from '../../../domain/loyalty/card-service.js';
import { CLIENT } from '../resources/client.js';
import { fieldSpecs } from '../resources/resource-definition.js';
import type { Page, Params, PersonalReads, RecordStore } from './record-store.js';

const FIELDS = fieldSpecs(CLIENT);

function birthdayText(c: Client): string {
  const b = c.birthday;
  if (!b) return '';
  const dm = `${String(b.day).padStart(2, '0')}.${String(b.month).padStart(2, '0')}`;
  return b.year === null ? dm : `${dm}.${b.year}`;
}

function toParams(c: Client): Params {
  return {
    id: c.id,
    name: c.name ?? '',
    phone: c.phone ?? '',
    birthday: birthdayText(c),
    allergies: c.allergies ?? '',
    notes: c.notes ?? '',
    preferences: c.preferences ?? '',
    tags: c.tags.join(', '),
    locale: c.locale,
    homeBranchId: c.homeBranchId ?? '',
    createdAt: c.createdAt,
  };
}

/** Form values (all strings) into a domain patch; only fields present in the form change. */
function toInput(params: Params, today: Date): ClientInput {
  const text = (key: string) =>
    typeof params[key] === 'string' ? (params[key] as string) : undefined;
  const input: ClientInput = {};
  const name = text('name');
  if (name !== undefined) input.name = name;
  const phone = text('phone');
  if (phone !== undefined) input.phone = phone.trim() === '' ? null : phone;
  const birthday = text('birthday');
  if (birthday !== undefined) {
    input.birthday = birthday.trim() === '' ? null : parseBirthday(birthday, today);
  }
  for (const key of ['allergies', 'notes', 'preferences'] as const) {
    const value = text(key);
    if (value !== undefined) input[key] = value.trim() === '' ? null : value;
  }
  const tags = text('tags');
  if (tags !== undefined)
    input.tags = tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  const locale = text('locale');
  if (locale !== undefined && locale !== '') input.locale = locale;
  const home = text('homeBranchId');
  if (home !== undefined) input.homeBranchId = home.trim() === '' ? null : home.trim();
  return input;
}

const PHONE_LIKE = /^[\d\s()+-]{7,}$/;

/** Clients in the panel: every read and write goes through ClientService (encryption, audit). */
export class ClientRecords implements RecordStore {
  readonly kind = 'clientele-records';
  readonly id = 'Client';
  readonly fields = FIELDS;
  /** Every row is a person's name, phone, birthday and notes: pages of 100, each audited. */
  readonly personalReads: PersonalReads = {
    maxPage: 100,
    audit: (actor, read) => this.clients.recordListRead(actor, read),
  };

  constructor(
    private readonly clients: ClientService,
    private readonly cards: CardService,
  ) {}

  /** One search box: a card number, a phone in any format, or words of the name. */
  private async search(filters: Record<string, string>): Promise<Client[] | null> {
    const query = (filters.name ?? filters.phone ?? '').trim();
    if (query === '') return null;
    if (isValidCardNumber(query.replace(/[\s-]/g, ''))) {
      const id = await this.cards.clientByCard(query);
      const found = id ? await this.clients.findById(id) : null;
      if (found) return [found];
    }
    return PHONE_LIKE.test(query)
      ? this.clients.findByPhone(query)
      : this.clients.findByName(query);
  }

  async count(filters: Record<string, string>): Promise<number> {
    const found = await this.search(filters);
    return found ? found.length : this.clients.count();
  }

  async find(filters: Record<string, string>, page: Page): Promise<Params[]> {
    const found = await this.search(filters);
    const list = found
      ? found.slice(page.offset, page.offset + page.limit)
      : await this.clients.list({ limit: page.limit, offset: page.offset });
    return list.map(toParams);
  }

  async findOne(id: string, actor: Actor): Promise<Params | null> {
    const client = await this.clients.get(id, actor);
    if (!client || client.erasedAt) return null;
    return toParams(client);
  }

  /** A client as a link from another record: the name only, so no card is opened (no audit). */
  async titles(ids: string[]): Promise<Params[]> {
    const found = await Promise.all(ids.map((id) => this.clients.findById(id)));
    return found.flatMap((c) => (c ? [{ id: c.id, name: c.name ?? '' }] : []));
  }

  async create(params: Params, actor: Actor): Promise<Params> {
    const input = toInput(params, this.clients.now());
    if (input.name === undefined) throw new InvalidInputError('name', 'required');
    return toParams(await this.clients.create(input, actor));
  }

  async update(id: string, params: Params, actor: Actor): Promise<Params> {
    return toParams(await this.clients.update(id, toInput(params, this.clients.now()), actor));
  }
}
