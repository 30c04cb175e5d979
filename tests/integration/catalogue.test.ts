import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../../src/domain/errors.js';
import { createServices, type Services } from '../../src/runtime.js';
import { zonedAt } from '../helpers/clock.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const OWNER = { type: 'staff' as const, id: null };
const ZONE = 'Asia/Novosibirsk';
const at = zonedAt(ZONE);

describe('catalogue and schedules', () => {
  let t: TestDatabase;
  let s: Services;
  beforeAll(async () => {
    t = await createTestDatabase('catalogue');
    s = createServices({ db: t.db, crypto: await testCrypto(), logger: silentLogger });
  });
  afterAll(() => t.drop());

  const refuses = async (p: Promise<unknown>, field: string, code = 'invalid') => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ field, code });
  };

  it('builds a bookable catalogue, and what it builds is what clients are offered', async () => {
    const branch = await s.catalogue.createBranch(
      { name: 'Академгородок', timeZone: ZONE, phone: '+7 383 000-00-00' },
      OWNER,
    );
    const service = await s.catalogue.createService(
      { name: 'Маникюр', category: 'Ногти', durationMin: 90, bufferMin: 10, price: 1500 },
      OWNER,
    );
    const master = await s.catalogue.createMaster({ branchId: branch, displayName: 'Алла' }, OWNER);
    await s.catalogue.setMasterServices(master, [{ serviceId: service, price: 1700 }], OWNER);
    await s.catalogue.setWeeklyHours(
      master,
      [
        { weekday: 1, start: '10:00', end: '13:00' },
        { weekday: 1, start: '14:00', end: '18:00' }, // lunch 13–14
      ],
      OWNER,
    );
    const now = at('2026-11-30T06:00'); // Monday
    const monday = (
      await s.booking.offers(service, master, now, {
        from: at('2026-11-30T00:00'),
        to: at('2026-12-01T00:00'),
      })
    ).map((o) => DateTime.fromJSDate(o.startsAt, { zone: ZONE }).toFormat('HH:mm'));
    expect(monday[0]).toBe('10:00');
    expect(monday).toContain('11:30'); // ends 13:00
    expect(monday).not.toContain('11:45'); // would run into lunch
    expect(monday).toContain('14:00');
    expect(monday.at(-1)).toBe('16:30');
    const catalogue = await s.booking.bookableServices();
    expect(catalogue.services).toEqual([
      expect.objectContaining({
        id: service,
        name: 'Маникюр',
        category: 'Ногти',
        branchIds: [branch],
      }),
    ]);
    // An exception: the next Monday off, and Tuesday (no weekly hours) extra hours.
    await s.catalogue.setException(master, { day: '2026-12-07', kind: 'off' }, OWNER);
    await s.catalogue.setException(
      master,
      { day: '2026-12-08', kind: 'hours', hours: [{ start: '09:00', end: '11:00' }] },
      OWNER,
    );
    const days = new Set(
      (await s.booking.offers(service, master, now)).map((o) =>
        DateTime.fromJSDate(o.startsAt, { zone: ZONE }).toISODate(),
      ),
    );
    expect(days.has('2026-12-07')).toBe(false);
    expect(days.has('2026-12-08')).toBe(true);
    expect(days.has('2026-12-14')).toBe(true);
    // Setting a date again replaces it; clearing brings back the weekly hours.
    await s.catalogue.setException(
      master,
      { day: '2026-12-07', kind: 'hours', hours: [{ start: '15:00', end: '17:00' }] },
      OWNER,
    );
    expect(
      await t.db
        .selectFrom('schedule_exceptions')
        .select('kind')
        .where('day', '=', '2026-12-07')
        .execute(),
    ).toEqual([{ kind: 'hours' }]);
    await s.catalogue.clearException(master, '2026-12-07', OWNER);
    // Replacing from a day on keeps what came before, all or nothing.
    await s.catalogue.replaceExceptionsFrom(
      master,
      '2026-12-09',
      [{ day: '2026-12-10', kind: 'off' }],
      OWNER,
    );
    expect(
      await t.db
        .selectFrom('schedule_exceptions')
        .select(['day', 'kind'])
        .where('master_id', '=', master)
        .orderBy('day')
        .execute(),
    ).toEqual([
      { day: '2026-12-08', kind: 'hours' },
      { day: '2026-12-10', kind: 'off' },
    ]);
    await refuses(
      s.catalogue.replaceExceptionsFrom(
        master,
        '2026-12-09',
        [
          { day: '2026-12-11', kind: 'off' },
          { day: '2026-12-11', kind: 'off' },
        ],
        OWNER,
      ),
      'day',
      'duplicate',
    );
    await refuses(
      s.catalogue.replaceExceptionsFrom(
        master,
        '2026-12-09',
        [{ day: '2026-13-01', kind: 'off' }],
        OWNER,
      ),
      'day',
    );
    expect(
      await t.db
        .selectFrom('schedule_exceptions')
        .select('day')
        .where('master_id', '=', master)
        .execute(),
    ).toHaveLength(2);
    expect(
      await t.db
        .selectFrom('schedule_exceptions')
        .select('kind')
        .where('day', '=', '2026-12-07')
        .execute(),
    ).toEqual([]);
  });

  it('audits what a change changed, from and to, and only that', async () => {
    const staff = { type: 'staff' as const, id: null, ip: '10.1.2.3' };
    const branch = await s.catalogue.createBranch(
      { name: 'Аудит', timeZone: 'Europe/Moscow' },
      staff,
    );
    const service = await s.catalogue.createService(
      { name: 'Укладка', category: 'Волосы', durationMin: 45, price: 1000 },
      staff,
    );
    await s.catalogue.updateService(
      service,
      { name: 'Укладка', price: 1500, durationMin: 45 },
      staff,
    );
    await s.catalogue.updateBranch(branch, { phone: '+7 495 111-22-33' }, staff);
    const entries = await t.db
      .selectFrom('audit_log')
      .select(['entity', 'entity_id', 'ip', 'details'])
      .where('action', '=', 'update')
      .where('entity_id', 'in', [branch, service])
      .orderBy('id')
      .execute();
    expect(entries).toEqual([
      {
        entity: 'service',
        entity_id: service,
        ip: '10.1.2.3',
        details: { changes: { price: { from: 1000, to: 1500 } } },
      },
      {
        entity: 'branch',
        entity_id: branch,
        ip: '10.1.2.3',
        details: { changes: { phone: { from: null, to: '+7 495 111-22-33' } } },
      },
    ]);
  });

  it('refuses wrong, empty, huge and hostile input with the field at fault, and stores nothing', async () => {
    const before = await t.db.selectFrom('branches').select('id').execute();
    await refuses(
      s.catalogue.createBranch({ name: 'X', timeZone: 'Mars/Olympus' }, OWNER),
      'timeZone',
    );
    await refuses(s.catalogue.createBranch({ name: '', timeZone: ZONE }, OWNER), 'name');
    await refuses(s.catalogue.createBranch({ name: '   ', timeZone: ZONE }, OWNER), 'name');
    await refuses(
      s.catalogue.createBranch({ name: 'x'.repeat(201), timeZone: ZONE }, OWNER),
      'name',
    );
    expect(await t.db.selectFrom('branches').select('id').execute()).toEqual(before);
    const hostile = await s.catalogue.createBranch(
      { name: "'); DROP TABLE clients; --", timeZone: 'UTC' },
      OWNER,
    );
    expect(
      await t.db.selectFrom('branches').select('name').where('id', '=', hostile).executeTakeFirst(),
    ).toEqual({ name: "'); DROP TABLE clients; --" });

    const service = (over: Record<string, unknown>) =>
      s.catalogue.createService(
        { name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 1000, ...over } as never,
        OWNER,
      );
    await refuses(service({ price: -1 }), 'price');
    await refuses(service({ price: Number.NaN }), 'price');
    await refuses(service({ price: '1000' }), 'price');
    await refuses(service({ durationMin: 0 }), 'durationMin');
    await refuses(service({ durationMin: 30.5 }), 'durationMin');
    await refuses(service({ bufferMin: -5 }), 'bufferMin');
    await refuses(service({ category: '' }), 'category');
    await refuses(service({ branchId: 'not-a-uuid' }), 'branchId');
    await expect(service({ branchId: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(
      NotFoundError,
    );

    const branch = await s.catalogue.createBranch({ name: 'Б', timeZone: ZONE }, OWNER);
    const master = await s.catalogue.createMaster({ branchId: branch, displayName: 'Вера' }, OWNER);
    const hours = (list: unknown) => s.catalogue.setWeeklyHours(master, list as never, OWNER);
    await refuses(hours([{ weekday: 8, start: '10:00', end: '12:00' }]), '0.weekday');
    await refuses(hours([{ weekday: 1, start: '25:00', end: '26:00' }]), '0.start');
    await refuses(
      hours([{ weekday: 1, start: '10:00', end: '09:00' }]),
      '0.end',
      'end-before-start',
    );
    await refuses(
      hours([{ weekday: 1, start: '10:00', end: '10:00' }]),
      '0.end',
      'end-before-start',
    );
    await refuses(
      hours([
        { weekday: 2, start: '10:00', end: '14:00' },
        { weekday: 2, start: '13:00', end: '18:00' },
      ]),
      'hours',
      'overlap',
    );
    await refuses(
      hours(Array.from({ length: 101 }, () => ({ weekday: 1, start: '10:00', end: '11:00' }))),
      'input',
    );
    await refuses(
      s.catalogue.setException(master, { day: '2026-02-30', kind: 'off' }, OWNER),
      'day',
    );
    await refuses(
      s.catalogue.setException(master, { day: '2026-12-01', kind: 'hours', hours: [] }, OWNER),
      'hours',
    );
    await refuses(
      s.catalogue.setMasterServices(master, [{ serviceId: 'x' }], OWNER),
      '0.serviceId',
    );
    await expect(
      s.catalogue.setMasterServices(
        master,
        [{ serviceId: '00000000-0000-4000-8000-000000000000' }],
        OWNER,
      ),
    ).rejects.toThrow(NotFoundError);
    expect(
      await t.db.selectFrom('working_hours').select('id').where('master_id', '=', master).execute(),
    ).toEqual([]);
  });
});
