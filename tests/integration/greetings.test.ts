import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crypto } from '../../src/crypto/crypto.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/domain/errors.js';
import { dayExists, nextOccurrence } from '../../src/domain/greetings/holiday-dates.js';
import { HolidayService } from '../../src/domain/greetings/holiday-service.js';
import { listTemplates, TemplateService } from '../../src/domain/greetings/templates.js';
import {
  previewTemplate,
  sendTestGreeting,
  TelegramNotLinkedError,
} from '../../src/domain/greetings/test-greeting.js';
import {
  MAX_SOURCE_DEPTH,
  SourceService,
  sourceByLinkCode,
} from '../../src/domain/onboarding/sources.js';
import { readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { startDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import { createServices } from '../../src/runtime.js';
import { salonTime } from '../helpers/clock.js';
import { startFakeBotApi } from '../helpers/fake-bot-api.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { addStaff } from '../helpers/salon.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const OWNER = { type: 'staff' as const, id: null };
const { now: NOW } = salonTime('2030-03-01T09:00:00Z');

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (e: unknown) => e,
  );
}

describe('holiday dates', () => {
  it('finds the next date on or after today, across the new year', () => {
    const march8 = { kind: 'fixed' as const, month: 3, day: 8, weekday: null, nth: null };
    expect(nextOccurrence(march8, '2030-03-01')).toBe('2030-03-08');
    expect(nextOccurrence(march8, '2030-03-08')).toBe('2030-03-08');
    expect(nextOccurrence(march8, '2030-03-09')).toBe('2031-03-08');
    const mothers = { kind: 'nth-weekday' as const, month: 11, day: null, weekday: 7, nth: -1 };
    expect(nextOccurrence(mothers, '2030-01-01')).toBe('2030-11-24');
    expect(dayExists(2, 29)).toBe(true);
    expect(dayExists(2, 30)).toBe(false);
    expect(dayExists(4, 31)).toBe(false);
  });
});

describe('greetings: holidays, sources and templates in the domain', () => {
  let t: TestDatabase;
  let crypto: Crypto;
  let holidays: HolidayService;
  let sources: SourceService;
  beforeAll(async () => {
    t = await createTestDatabase('greetings');
    crypto = await testCrypto();
    holidays = new HolidayService(t.db, crypto);
    sources = new SourceService(t.db);
  });
  afterAll(() => t.drop());

  const refuses = async (p: Promise<unknown>, field: string, code = 'invalid') => {
    const err = await failure(p);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ field, code });
  };

  it('creates a holiday with default texts, audited; kind-specific fields are required', async () => {
    const before = (await t.db.selectFrom('holidays').select('id').execute()).length;
    const id = await holidays.create(
      { name: '  День косметолога ', kind: 'fixed', month: 2, day: 29, localHour: 9 },
      OWNER,
    );
    const stored = await holidays.get(id);
    expect(stored).toMatchObject({
      name: 'День косметолога',
      kind: 'fixed',
      month: 2,
      day: 29,
      weekday: null,
      nth: null,
      localHour: 9,
      audience: { kind: 'all' },
      active: true,
    });
    const texts = await t.db
      .selectFrom('message_templates')
      .select('locale')
      .where('key', '=', `holiday:${id}`)
      .execute();
    expect(texts.map((r) => r.locale).sort()).toEqual(['en', 'ru']);
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'entity'])
      .where('entity_id', '=', id)
      .execute();
    expect(audit).toEqual([{ action: 'create', entity: 'holiday' }]);

    await refuses(holidays.create({ name: 'X', kind: 'fixed', month: 2, day: 31 }, OWNER), 'day');
    await refuses(holidays.create({ name: 'X', kind: 'fixed', month: 4, day: 31 }, OWNER), 'day');
    await refuses(
      holidays.create({ name: 'X', kind: 'fixed', month: 3 }, OWNER),
      'day',
      'required',
    );
    await refuses(
      holidays.create({ name: 'X', kind: 'nth-weekday', month: 3, weekday: 1 }, OWNER),
      'nth',
      'required',
    );
    await refuses(
      holidays.create({ name: 'X', kind: 'nth-weekday', month: 3, nth: 2 }, OWNER),
      'weekday',
      'required',
    );
    await refuses(
      holidays.create({ name: 'X', kind: 'nth-weekday', month: 3, weekday: 8, nth: 1 }, OWNER),
      'weekday',
    );
    await refuses(
      holidays.create({ name: 'X', kind: 'nth-weekday', month: 3, weekday: 1, nth: 5 }, OWNER),
      'nth',
    );
    await refuses(holidays.create({ name: 'X', kind: 'fixed', month: 13, day: 1 }, OWNER), 'month');
    await refuses(
      holidays.create({ name: 'X', kind: 'fixed', month: 1, day: 1, localHour: 24 }, OWNER),
      'localHour',
    );
    await refuses(
      holidays.create({ name: 'X', kind: 'fixed', month: 1, day: 1, localHour: -1 }, OWNER),
      'localHour',
    );
    await refuses(holidays.create({ name: 'X', kind: 'fixed', month: 1, day: 1.5 }, OWNER), 'day');
    await refuses(
      holidays.create({ name: '', kind: 'fixed', month: 1, day: 1 }, OWNER),
      'name',
      'required',
    );
    await refuses(
      holidays.create({ name: 'x'.repeat(101), kind: 'fixed', month: 1, day: 1 }, OWNER),
      'name',
      'too-long',
    );
    await refuses(
      holidays.create({ name: 'X', kind: 'weekly' as 'fixed', month: 1, day: 1 }, OWNER),
      'kind',
    );
    await refuses(
      holidays.create(
        { name: 'X', kind: 'fixed', month: 1, day: 1, audience: { kind: 'tags', tags: [] } },
        OWNER,
      ),
      'audience.tags',
    );
    await refuses(
      holidays.create(
        { name: 'X', kind: 'fixed', month: 1, day: 1, audience: { kind: 'recent', months: 0 } },
        OWNER,
      ),
      'audience.months',
    );
    await refuses(
      holidays.create(
        {
          name: 'X',
          kind: 'fixed',
          month: 1,
          day: 1,
          audience: { kind: 'branch', branchIds: ["'; DROP TABLE holidays; --"] },
        },
        OWNER,
      ),
      'audience.branchIds.0',
    );
    expect((await t.db.selectFrom('holidays').select('id').execute()).length).toBe(before + 1);
  });

  it('updates a holiday checked whole: a new kind needs its own fields, the old ones go', async () => {
    const id = await holidays.create({ name: 'Весна', kind: 'fixed', month: 3, day: 1 }, OWNER);
    await refuses(holidays.update(id, { kind: 'nth-weekday' }, OWNER), 'weekday', 'required');
    await holidays.update(
      id,
      { kind: 'nth-weekday', weekday: 6, nth: 1, audience: { kind: 'level', levels: ['Gold'] } },
      OWNER,
    );
    expect(await holidays.get(id)).toMatchObject({
      kind: 'nth-weekday',
      day: null,
      weekday: 6,
      nth: 1,
      audience: { kind: 'level', levels: ['Gold'] },
    });
    await refuses(holidays.update(id, { month: 0 }, OWNER), 'month');
    expect(
      await failure(holidays.update('00000000-0000-0000-0000-000000000000', {}, OWNER)),
    ).toBeInstanceOf(NotFoundError);
    expect(await holidays.get('not-a-uuid')).toBeNull();
  });

  it('builds the source tree: codes unique and well-formed, parents real, no cycles, bounded depth', async () => {
    const root = await sources.create({ name: 'Instagram', linkCode: 'insta' }, OWNER);
    const child = await sources.create(
      { name: 'Stories', parentId: root, linkCode: 'st-1' },
      OWNER,
    );
    const grandchild = await sources.create({ name: 'Весна', parentId: child }, OWNER);
    expect(await sourceByLinkCode(t.db, 'st-1')).toBe(child);

    const taken = await failure(sources.create({ name: 'Другой', linkCode: 'insta' }, OWNER));
    expect(taken).toBeInstanceOf(ConflictError);
    expect(taken).toMatchObject({ field: 'linkCode', code: 'taken' });
    await refuses(
      sources.create({ name: 'X', linkCode: 'has space' }, OWNER),
      'linkCode',
      'format',
    );
    await refuses(
      sources.create({ name: 'X', linkCode: 'x'.repeat(41) }, OWNER),
      'linkCode',
      'format',
    );
    await refuses(sources.create({ name: 'X', linkCode: '<script>' }, OWNER), 'linkCode', 'format');
    await refuses(sources.create({ name: '   ' }, OWNER), 'name', 'required');
    await refuses(sources.create({ name: 'x'.repeat(101) }, OWNER), 'name', 'too-long');
    await refuses(
      sources.create({ name: 'X', parentId: '00000000-0000-0000-0000-000000000000' }, OWNER),
      'parentId',
    );
    await refuses(sources.create({ name: 'X', parentId: "1' OR '1'='1" }, OWNER), 'parentId');

    // A node cannot go under itself or under its own descendants.
    await refuses(sources.update(root, { parentId: root }, OWNER), 'parentId', 'cycle');
    await refuses(sources.update(root, { parentId: grandchild }, OWNER), 'parentId', 'cycle');
    await refuses(sources.update(child, { parentId: grandchild }, OWNER), 'parentId', 'cycle');

    // Depth: a chain of MAX_SOURCE_DEPTH levels takes no more children.
    let last = grandchild;
    for (let level = 4; level <= MAX_SOURCE_DEPTH; level++)
      last = await sources.create({ name: `L${level}`, parentId: last }, OWNER);
    await refuses(
      sources.create({ name: 'Too deep', parentId: last }, OWNER),
      'parentId',
      'too-deep',
    );
    // Moving a subtree counts its own height too.
    const other = await sources.create({ name: 'VK' }, OWNER);
    const otherChild = await sources.create({ name: 'VK ads', parentId: other }, OWNER);
    await sources.update(child, { parentId: other }, OWNER); // 1 + 3 levels fit
    await refuses(sources.update(child, { parentId: otherChild }, OWNER), 'parentId', 'too-deep');

    // A code may be kept by its own node, cleared, and given to another.
    await sources.update(root, { name: 'Instagram ads', linkCode: 'insta' }, OWNER);
    await sources.update(root, { linkCode: '' }, OWNER);
    await sources.update(other, { linkCode: 'insta', active: false }, OWNER);
    expect(await sourceByLinkCode(t.db, 'insta')).toBeNull(); // inactive
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'acquisition_source')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(MAX_SOURCE_DEPTH + 4);
  });

  it('lists every template key × language, stored or default, and refuses bad texts', async () => {
    const templates = new TemplateService(t.db);
    const entries = await listTemplates(t.db);
    const holidayCount = (await t.db.selectFrom('holidays').select('id').execute()).length;
    expect(entries).toHaveLength((2 + holidayCount) * 2);
    expect(entries.every((e) => e.body.length > 0)).toBe(true);
    await t.db.deleteFrom('message_templates').where('key', '=', 'winback').execute();
    const winback = (await listTemplates(t.db)).filter((e) => e.key === 'winback');
    expect(winback.map((e) => e.stored)).toEqual([false, false]);
    expect(await templates.get('winback', 'en')).toContain('{coupon}');

    const bad = await failure(templates.save('birthday', 'ru', 'Привет, {nmae}!', OWNER));
    expect(bad).toMatchObject({ field: 'body', code: 'unknown-placeholder' });
    expect(await failure(templates.save('birthday', 'ru', 'x'.repeat(2001), OWNER))).toMatchObject({
      code: 'too-long',
    });
    expect(await failure(templates.save('birthday', 'ru', '  ', OWNER))).toMatchObject({
      code: 'empty',
    });
    expect(await failure(templates.save('../etc', 'ru', 'Hi', OWNER))).toMatchObject({
      field: 'key',
    });
    expect(await failure(templates.save('birthday', 'de', 'Hi', OWNER))).toMatchObject({
      field: 'locale',
    });
    await templates.save('birthday', 'en', 'Happy birthday, {name}! {coupon}', OWNER);
    expect(await templates.get('birthday', 'en')).toBe('Happy birthday, {name}! {coupon}');
    expect(await previewTemplate(t.db, 'Hi {name}, {discount}% off, {coupon}', 'en', NOW)).toBe(
      'Hi Anna, 10% off, XX-EXAMPLE',
    );
  });

  it('sends a test greeting to the staff member’s own chat only, once per press', async () => {
    const s = createServices({ db: t.db, crypto, logger: silentLogger });
    const linked = await addStaff(s, {
      email: 'linked@salon.test',
      displayName: 'Ирина',
      role: 'owner',
      telegramUserId: 777001,
    });
    const unlinked = await addStaff(s, {
      email: 'unlinked@salon.test',
      displayName: 'Олег',
      role: 'admin',
    });
    const input = { key: 'birthday', locale: 'ru', body: '{name}, тест {coupon}', now: NOW };
    expect(await sendTestGreeting(t.db, crypto, { ...input, staffId: linked }, OWNER)).toBe(true);
    expect(await sendTestGreeting(t.db, crypto, { ...input, staffId: linked }, OWNER)).toBe(false);
    expect(
      await failure(sendTestGreeting(t.db, crypto, { ...input, staffId: unlinked }, OWNER)),
    ).toBeInstanceOf(TelegramNotLinkedError);
    expect(
      await failure(
        sendTestGreeting(t.db, crypto, { ...input, body: '{oops}', staffId: linked }, OWNER),
      ),
    ).toMatchObject({ code: 'unknown-placeholder' });
    const rows = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'template-test')
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ chat_id: '777001', client_id: null });
    expect(readOutboxMessage(crypto, rows[0] as never).text).toBe('Ирина, тест XX-EXAMPLE');

    // The dispatcher delivers it to the staff chat like any staff notice.
    const fake = await startFakeBotApi();
    try {
      const dispatcher = startDispatcher({
        db: t.db,
        crypto,
        logger: silentLogger,
        token: fake.token,
        apiRoot: fake.apiRoot,
        loop: false,
      });
      await dispatcher.runOnce();
      await dispatcher.stop();
      const calls = fake.callsOf('sendMessage');
      expect(calls.map((c) => [String(c.params.chat_id), c.params.text])).toEqual([
        ['777001', 'Ирина, тест XX-EXAMPLE'],
      ]);
      const after = await t.db
        .selectFrom('outbox')
        .select('status')
        .where('kind', '=', 'template-test')
        .executeTakeFirstOrThrow();
      expect(after.status).toBe('sent');
    } finally {
      await fake.close();
    }
  });
});
