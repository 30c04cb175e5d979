import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardInnerFormulas } from '../../src/admin/panel/actions/spreadsheet-stream.js';
import { createServices } from '../../src/runtime.js';
import { silentLogger } from '../helpers/fixtures.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';
import { PanelHarness } from './panel-harness.js';

describe('panel: client export', () => {
  const h = new PanelHarness();
  beforeAll(async () => {
    await h.setUp();
    await h.clients.create(
      { name: 'Анна; "Кавычки"', phone: '+79169990001', tags: ['vip'], allergies: 'латекс' },
      SYSTEM,
    );
    await h.clients.create({ name: '=HYPERLINK("http://evil")', phone: '+79169990002' }, SYSTEM);
  });
  afterAll(() => h.tearDown());

  it('neutralises formulas where another separator could start a cell', () => {
    expect(guardInnerFormulas('plain, text; -')).toBe('plain, text; -');
    expect(guardInnerFormulas('a,=1+1')).toBe("a,'=1+1");
    expect(guardInnerFormulas('a;+7 916')).toBe("a;'+7 916");
    expect(guardInnerFormulas('a\t@SUM(A1)')).toBe("a\t'@SUM(A1)");
    expect(guardInnerFormulas('line\n-2+3')).toBe("line\n'-2+3");
    expect(guardInnerFormulas('x,""=1')).toBe('x,""\'=1');
  });

  it('exports the columns a role may see, as text a spreadsheet will not run, and audits it', async () => {
    const owner = await h.login(await h.addStaff('owner'));
    const response = await h.get('/admin/export/clients.csv', owner);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="clients-/);
    const text = await response.text();
    const lines = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      '"Name";"Phone";"Birthday";"Tags";"Notes";"Allergies";"Language";"Created"',
    );
    expect(text).toContain('"Анна; ""Кавычки""";"\'+79169990001";"";"vip";"";"латекс";"ru";');
    expect(text).toContain(`'=HYPERLINK(""http://evil"")`);
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['details'])
      .where('action', '=', 'export')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]?.details)).toContain('"rows":2');
    expect(JSON.stringify(audit)).not.toContain('Анна');
  });

  it('exports the same list as XLSX: text cells, never formulas, role columns, audited', async () => {
    const manager = await h.login(await h.addStaff('manager'));
    const response = await h.get('/admin/export/clients.xlsx', manager);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await response.arrayBuffer());
    const sheet = book.worksheets[0];
    const rows: unknown[][] = [];
    sheet?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows[0]).toEqual([
      'Name',
      'Phone',
      'Birthday',
      'Tags',
      'Notes',
      'Allergies',
      'Language',
      'Created',
    ]);
    const evilRow = rows.findIndex((r) => String(r[0]).startsWith('=HYPERLINK'));
    const evil = sheet?.getRow(evilRow + 1).getCell(1);
    expect(evil?.type).toBe(ExcelJS.ValueType.String);
    expect(evil?.value).toBe('=HYPERLINK("http://evil")');
    expect(rows.map((r) => r[0])).toContain('Анна; "Кавычки"');
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['details', 'ip'])
      .where('action', '=', 'export')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ rows: 2, format: 'xlsx' });
    expect(audit.ip).toBe('127.0.0.1');
    expect((await h.get('/admin/export/clients.exe', manager)).status).toBe(404);
  });

  it("exports visits within the role's scope: a master their own, without phones", async () => {
    const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    const masterEmail = await h.addStaff('master');
    const { service, masters } = await seedSalon(s, {
      masters: [{ name: 'Своя', staffUserId: await h.staffId(masterEmail) }, { name: 'Чужая' }],
    });
    const [anna] = await s.clients.findByPhone('+79169990001');
    for (const [i, m] of masters.entries()) {
      await s.booking.book(
        {
          clientId: anna?.id ?? '',
          serviceId: service,
          masterId: m,
          startsAt: new Date(Date.UTC(2030, 0, 7, 7 + i * 2)),
          channel: 'panel',
        },
        SYSTEM,
        new Date('2030-01-01T00:00:00Z'),
      );
    }
    const master = await h.login(masterEmail);
    const text = await (await h.get('/admin/export/visits.csv', master)).text();
    const lines = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('"When";"Service";"Status";"Client";"To pay"');
    expect(lines).toHaveLength(2);
    // When: the branch's wall-clock time (Moscow), not UTC.
    expect(lines[1]).toMatch(/^"2030-01-07 10:00";/);
    expect(lines[1]).toContain('"Стрижка";"booked";"Анна; ""Кавычки""";1000');
    expect(text).not.toContain('79169990001');
    const owner = await h.login(await h.addStaff('owner'));
    const all = await (await h.get('/admin/export/visits.csv', owner)).text();
    expect(all.trim().split('\r\n')).toHaveLength(3);
    expect(all).toContain('Чужая');
    const analyst = await h.login(await h.addStaff('analyst'));
    expect((await h.get('/admin/export/visits.xlsx', analyst)).status).toBe(403);
    // The export action of each list offers what the role may take.
    const offer = await (await h.get('/admin/api/resources/Visit/actions/export', master)).text();
    expect(offer).toContain('/admin/export/visits.xlsx');
    expect(offer).not.toContain('/admin/export/clients.csv');
    expect((await h.get('/admin/api/resources/Client/actions/export', master)).status).toBe(403);
  });

  it('is refused to masters, analysts and anonymous visitors', async () => {
    for (const role of ['master', 'analyst'] as const) {
      const cookie = await h.login(await h.addStaff(role));
      const response = await h.get('/admin/export/clients.csv', cookie);
      expect(response.status).toBe(403);
      expect(await response.text()).not.toContain('+7916999');
    }
    expect((await h.get('/admin/export/clients.csv')).status).toBe(302);
    const analyst = await h.login(await h.addStaff('analyst'));
    for (const list of ['Client', 'Visit'])
      expect((await h.get(`/admin/api/resources/${list}/actions/export`, analyst)).status).toBe(
        403,
      );
  });
});
