import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell } from '../../src/admin/export-page.js';
import { PanelHarness } from './panel-harness.js';

const SYSTEM = { type: 'system' as const, id: null };

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

  it('neutralises formulas and quotes what needs quoting', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+7 916')).toBe("'+7 916");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
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
    expect(lines[0]).toBe('Name;Phone;Birthday;Tags;Notes;Allergies;Language;Created');
    expect(text).toContain('"Анна; ""Кавычки""";\'+79169990001;;vip;;латекс;ru;');
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

  it('is refused to masters, analysts and anonymous visitors', async () => {
    for (const role of ['master', 'analyst'] as const) {
      const cookie = await h.login(await h.addStaff(role));
      const response = await h.get('/admin/export/clients.csv', cookie);
      expect(response.status).toBe(403);
      expect(await response.text()).not.toContain('+7916999');
    }
    expect((await h.get('/admin/export/clients.csv')).status).toBe(302);
  });
});
