import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guessMapping, importClients } from '../../src/domain/clients/client-import.js';
import { createServices, type Services } from '../../src/runtime.js';
import { silentLogger, testCrypto } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const MANAGER = { type: 'staff' as const, id: null };
const MAPPING = {
  phone: 'Телефон',
  name: 'ФИО',
  birthday: 'Дата рождения',
  notes: 'Комментарий',
  tags: 'Метки',
};
const csv = (text: string) => Readable.from([Buffer.from(text, 'utf8')]);

const FILE = [
  '\uFEFFФИО;Телефон;Дата рождения;Комментарий;Метки',
  'Анна Петрова;+7 916 100-00-01;14.03.1990;любит чай;vip, постоянная',
  'Без телефона;;01.01.1990;;',
  'Плохой телефон;12345;;;',
  'Невозможная дата;+79161000004;31.02.1990;;',
  `${'Я'.repeat(201)};+79161000005;;;`,
  '=HYPERLINK("http://evil");+79161000006;1990-07-15;<script>alert(1)</script>;',
  'Анна Петрова (повтор);89161000001;;;',
  ';+79161000008;;;',
  'Ольга;+79161000009;;"многострочный',
  'комментарий";',
].join('\r\n');

describe('client import from CSV', () => {
  let t: TestDatabase;
  let s: Services;
  beforeAll(async () => {
    t = await createTestDatabase('import');
    s = createServices({ db: t.db, crypto: await testCrypto(), logger: silentLogger });
    // Already in the base: the import updates her, not a duplicate.
    await s.clients.create({ name: 'Старое имя', phone: '+79161000009' }, MANAGER);
  });
  afterAll(() => t.drop());

  it('guesses the mapping from Russian and English headers', () => {
    expect(guessMapping(['ФИО', 'Телефон', 'Дата рождения', 'x'])).toEqual({
      name: 'ФИО',
      phone: 'Телефон',
      birthday: 'Дата рождения',
    });
    expect(guessMapping(['Name', 'Phone', 'Notes'])).toEqual({
      name: 'Name',
      phone: 'Phone',
      notes: 'Notes',
    });
  });

  it('a dry run reports every bad row with its line and field, and writes nothing', async () => {
    const before = await s.clients.count();
    const report = await importClients(csv(FILE), {
      clients: s.clients,
      mapping: MAPPING,
      dryRun: true,
      actor: MANAGER,
    });
    expect(report).toMatchObject({
      dryRun: true,
      rows: 9,
      created: 2,
      updated: 2,
      unchanged: 0,
      failed: 5,
      fatal: null,
    });
    expect(report.errors).toEqual([
      { line: 3, field: 'phone', code: 'required' },
      { line: 4, field: 'phone', code: 'invalid' },
      { line: 5, field: 'birthday', code: 'invalid' },
      { line: 6, field: 'name', code: 'too-long' },
      { line: 9, field: 'name', code: 'required' },
    ]);
    expect(await s.clients.count()).toBe(before);
  });

  it('imports, keyed by phone: a phone in the base is updated; the same file again changes nothing', async () => {
    const first = await importClients(csv(FILE), {
      clients: s.clients,
      mapping: MAPPING,
      dryRun: false,
      actor: MANAGER,
    });
    expect(first).toMatchObject({ rows: 9, created: 2, updated: 2, unchanged: 0, failed: 5 });
    const [anna] = await s.clients.findByPhone('+79161000001');
    expect(anna).toMatchObject({
      name: 'Анна Петрова (повтор)', // the later row of the same phone wins
      birthday: { day: 14, month: 3, year: 1990 },
      notes: 'любит чай',
      tags: ['vip', 'постоянная'],
    });
    const [hostile] = await s.clients.findByPhone('+79161000006');
    // Stored as typed (it is data, not a formula or markup); exports neutralise it.
    expect(hostile).toMatchObject({
      name: '=HYPERLINK("http://evil")',
      notes: '<script>alert(1)</script>',
      birthday: { day: 15, month: 7, year: 1990 },
    });
    const [olga] = await s.clients.findByPhone('+79161000009');
    expect(olga).toMatchObject({ name: 'Ольга', notes: 'многострочный\nкомментарий' });
    expect(await s.clients.findByPhone('+79161000008')).toEqual([]); // no name: refused, not created
    // Again: nothing new; only the file's own duplicate phone goes back and forth to the same end.
    const count = await s.clients.count();
    const again = await importClients(csv(FILE), {
      clients: s.clients,
      mapping: MAPPING,
      dryRun: false,
      actor: MANAGER,
    });
    expect(again).toMatchObject({ created: 0, updated: 2, unchanged: 2, failed: 5 });
    expect(await s.clients.count()).toBe(count);
    expect((await s.clients.findByPhone('+79161000001'))[0]?.name).toBe('Анна Петрова (повтор)');
    const third = await importClients(
      csv(FILE.replace(/\r\nАнна Петрова \(повтор\);89161000001;;;/, '')),
      {
        clients: s.clients,
        mapping: MAPPING,
        dryRun: false,
        actor: MANAGER,
      },
    );
    expect(third).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    const fourth = await importClients(
      csv(FILE.replace(/\r\nАнна Петрова \(повтор\);89161000001;;;/, '')),
      {
        clients: s.clients,
        mapping: MAPPING,
        dryRun: false,
        actor: MANAGER,
      },
    );
    expect(fourth).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  });

  it('stops with a clear reason on a missing column, a broken file or a huge line', async () => {
    const missing = await importClients(csv('Name;Tel\nA;+79161000010'), {
      clients: s.clients,
      mapping: { phone: 'Phone', name: 'Name' },
      dryRun: true,
      actor: MANAGER,
    });
    expect(missing.fatal).toEqual({ line: 1, field: 'phone', code: 'column-missing' });
    const broken = await importClients(csv('Phone,Name\n+79161000011,"never closed\n'), {
      clients: s.clients,
      mapping: { phone: 'Phone', name: 'Name' },
      dryRun: true,
      actor: MANAGER,
    });
    expect(broken.fatal).toMatchObject({ field: 'file', code: 'not-csv' });
    const huge = await importClients(csv(`Phone,Name\n+79161000012,${'x'.repeat(70_000)}\n`), {
      clients: s.clients,
      mapping: { phone: 'Phone', name: 'Name' },
      dryRun: true,
      actor: MANAGER,
    });
    expect(huge.fatal).toMatchObject({ field: 'file', code: 'line-too-long' });
    const binary = await importClients(Readable.from([Buffer.from([0, 255, 254, 0, 1, 2])]), {
      clients: s.clients,
      mapping: { phone: 'Phone' },
      dryRun: true,
      actor: MANAGER,
    });
    expect(binary.fatal).toMatchObject({ code: 'column-missing' });
  });

  it('streams a large file row by row and reports progress', async () => {
    const N = 3000;
    async function* rows() {
      yield 'Phone,Name\n';
      for (let i = 0; i < N; i++) yield `+7917${String(2_000_000 + i)},Client ${i}\n`;
    }
    const progress: number[] = [];
    const report = await importClients(Readable.from(rows()), {
      clients: s.clients,
      mapping: { phone: 'Phone', name: 'Name' },
      dryRun: true,
      actor: MANAGER,
      onProgress: (counts) => progress.push(counts.rows),
    });
    expect(report).toMatchObject({ rows: N, created: N, failed: 0 });
    expect(progress.at(-1)).toBe(N);
    expect(progress.every((n, i) => i === 0 || n > (progress[i - 1] ?? 0))).toBe(true);
  });
});
