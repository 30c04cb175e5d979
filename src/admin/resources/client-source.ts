import type { Actor } from '../../domain/actor.js';
import type { Client, ClientInput, ClientService } from '../../domain/clients/client-service.js';
import { parseBirthday } from '../../domain/clients/normalise.js';
import { InvalidInputError } from '../../domain/errors.js';
import { isValidCardNumber } from '../../domain/loyalty/card-number.js';
import type { CardService } from '../../domain/loyalty/card-service.js';
import type { FieldSpec, Page, Params, RecordSource } from '../adapter/record-source.js';

const FIELDS: FieldSpec[] = [
  { path: 'id', type: 'uuid', isId: true },
  { path: 'name', type: 'string', isTitle: true, editable: true, required: true },
  { path: 'phone', type: 'string', editable: true },
  { path: 'birthday', type: 'string', editable: true },
  { path: 'allergies', type: 'textarea', editable: true },
  { path: 'notes', type: 'textarea', editable: true },
  { path: 'preferences', type: 'textarea', editable: true },
  { path: 'tags', type: 'string', editable: true },
  { path: 'locale', type: 'string', editable: true, availableValues: ['ru', 'en'] },
  { path: 'createdAt', type: 'datetime' },
  // The card: read-only facts the owner needs at a glance (shown, never edited here).
  { path: 'card', type: 'string' },
  { path: 'discount', type: 'string' },
  { path: 'points', type: 'number' },
  { path: 'friends', type: 'string' },
  { path: 'consents', type: 'string' },
  { path: 'visits', type: 'textarea' },
];

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
    createdAt: c.createdAt,
  };
}

/** Form values (all strings) into a domain patch; only fields present in the form change. */
function toInput(params: Params): ClientInput {
  const text = (key: string) =>
    typeof params[key] === 'string' ? (params[key] as string) : undefined;
  const input: ClientInput = {};
  const name = text('name');
  if (name !== undefined) input.name = name;
  const phone = text('phone');
  if (phone !== undefined) input.phone = phone.trim() === '' ? null : phone;
  const birthday = text('birthday');
  if (birthday !== undefined) {
    input.birthday = birthday.trim() === '' ? null : parseBirthday(birthday);
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
  return input;
}

/** The facts of a client card beyond the client's own fields (visits, discount, consents…). */
export type ClientCard = (clientId: string, locale: string) => Promise<Params>;

const PHONE_LIKE = /^[\d\s()+-]{7,}$/;

/** Clients in the panel: every read and write goes through ClientService (encryption, audit). */
export class ClientSource implements RecordSource {
  readonly kind = 'clientele-source';
  readonly id = 'Client';
  readonly fields = FIELDS;

  constructor(
    private readonly clients: ClientService,
    private readonly cards: CardService,
    private readonly card?: ClientCard,
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

  async findOne(id: string, actor: Actor, locale = 'ru'): Promise<Params | null> {
    const client = await this.clients.get(id, actor);
    if (!client || client.erasedAt) return null;
    return { ...toParams(client), ...(this.card ? await this.card(client.id, locale) : {}) };
  }

  /** A client as a link from another record: the name only, so no card is opened (no audit). */
  async titles(ids: string[]): Promise<Params[]> {
    const found = await Promise.all(ids.map((id) => this.clients.findById(id)));
    return found.flatMap((c) => (c ? [{ id: c.id, name: c.name ?? '' }] : []));
  }

  async create(params: Params, actor: Actor): Promise<Params> {
    const input = toInput(params);
    if (input.name === undefined) throw new InvalidInputError('name', 'required');
    return toParams(await this.clients.create(input, actor));
  }

  async update(id: string, params: Params, actor: Actor): Promise<Params> {
    return toParams(await this.clients.update(id, toInput(params), actor));
  }
}
