import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PanelHarness } from './panel-harness.js';

/** Bad uploads to the CSV import: each gets a clear answer and writes nothing it should not. */
describe('panel: CSV import refuses bad input clearly and loses nothing', () => {
  const h = new PanelHarness();
  let cookie = '';
  beforeAll(async () => {
    await h.setUp();
    cookie = await h.login(await h.addStaff('manager', 'en'));
  }, 60_000);
  afterAll(() => h.tearDown());

  const upload = (body: BodyInit, query: Record<string, string> = {}, id = crypto.randomUUID()) =>
    fetch(`${h.url}/admin/import/run?${new URLSearchParams({ id, dry: '0', ...query })}`, {
      method: 'POST',
      headers: { cookie, origin: h.url, 'content-type': 'text/csv' },
      body,
    });
  const report = async (body: BodyInit, query: Record<string, string> = {}) => {
    const response = await upload(body, query);
    expect(response.status).toBe(200);
    return (await response.json()) as {
      state: string;
      rows: number;
      created: number;
      failed: number;
      fatal: { line: number; field: string; code: string } | null;
      errors: { line: number; field: string; code: string }[];
    };
  };

  it('an empty file: nothing imported, and the job is done', async () => {
    expect(await report('')).toMatchObject({ state: 'done', rows: 0, created: 0 });
    expect(await h.clients.count()).toBe(0);
  });

  it('a file in another encoding, or without a phone column: the column is named missing', async () => {
    // Windows-1251 bytes of "Телефон;Имя": not UTF-8, so no header matches.
    const cp1251 = Buffer.from([0xd2, 0xe5, 0xeb, 0xe5, 0xf4, 0xee, 0xed, 0x3b, 0xc8, 0xec, 0xff]);
    const garbled = await report(Buffer.concat([cp1251, Buffer.from('\n+79160000001;A\n')]));
    expect(garbled.fatal).toEqual({ line: 1, field: 'phone', code: 'column-missing' });
    const wrong = await report('Name;Mobile\nA;+79160000001\n', { phone: 'Телефон' });
    expect(wrong.fatal).toMatchObject({ field: 'phone', code: 'column-missing' });
    expect(await h.clients.count()).toBe(0);
  });

  it('a huge line stops the file with its line number; rows before it are kept', async () => {
    const file = `Phone;Name\n+79160000002;Before\n+79160000003;${'x'.repeat(70_000)}\n`;
    const answer = await report(file);
    expect(answer.fatal).toMatchObject({ field: 'file', code: 'line-too-long' });
    expect(answer.created).toBe(1);
    expect((await h.clients.findByPhone('+79160000002'))[0]?.name).toBe('Before');
  });

  it('hostile cells stay text: a formula is stored as typed and the report holds no values', async () => {
    const file = `Phone;Name;Notes\n+79160000004;=cmd|' /C calc'!A0;@SUM(1)\n`;
    const answer = await report(file);
    expect(answer.created).toBe(1);
    expect((await h.clients.findByPhone('+79160000004'))[0]?.name).toBe("=cmd|' /C calc'!A0");
    const rows = await h.t.db.selectFrom('import_jobs').selectAll().execute();
    expect(JSON.stringify(rows)).not.toMatch(/cmd|SUM|79160000004/);
  });

  it('a bad query is a 400 naming the parameter; an id used twice is a 409', async () => {
    const badId = await fetch(`${h.url}/admin/import/run?id=nope&dry=1`, {
      method: 'POST',
      headers: { cookie, origin: h.url, 'content-type': 'text/csv' },
      body: 'Phone\n',
    });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { fields: Record<string, string> }).fields).toHaveProperty(
      'id',
    );
    const badDry = await upload('Phone\n', { dry: 'maybe' });
    expect(badDry.status).toBe(400);
    expect(((await badDry.json()) as { error: string }).error).toMatch(/dry/);
    const longColumn = await upload('Phone\n', { name: 'x'.repeat(101) });
    expect(longColumn.status).toBe(400);
    const id = crypto.randomUUID();
    expect((await upload('Phone\n+79160000005\n', {}, id)).status).toBe(200);
    expect((await upload('Phone\n+79160000006\n', {}, id)).status).toBe(409);
    expect(await h.clients.findByPhone('+79160000006')).toEqual([]);
  });

  it('a job is visible to the one who started it only', async () => {
    const id = crypto.randomUUID();
    expect((await upload('Phone\n+79160000007\n', {}, id)).status).toBe(200);
    const read = (who: string) =>
      h.get(`/admin/api/resources/Client/actions/import?job=${id}`, who);
    expect(((await (await read(cookie)).json()) as { job: { rows: number } }).job.rows).toBe(1);
    const other = await h.login(await h.addStaff('owner'));
    expect((await read(other)).status).toBe(404);
    expect((await h.get('/admin/api/resources/Client/actions/import?job=x', cookie)).status).toBe(
      400,
    );
  });
});
