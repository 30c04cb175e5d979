import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackPageData } from '../../src/admin/panel/pages/feedback-page.js';
import type { StaffRole } from '../../src/db/schema.js';
import { readOutboxMessage } from '../../src/domain/outbox/outbox.js';
import { createServices } from '../../src/runtime.js';
import { silentLogger } from '../helpers/fixtures.js';
import { type FeedbackSalon, SECRET, seedFeedback } from './feedback-fixture.js';
import { PanelHarness } from './panel-harness.js';
import { pageApi, say } from './panel-page-api.js';

const ROLES: StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];

describe('panel: the feedback inbox over HTTP', () => {
  const h = new PanelHarness();
  const cookies = new Map<StaffRole | 'managerB', string>();
  let salon: FeedbackSalon;

  beforeAll(async () => {
    await h.setUp();
    const s = createServices({ db: h.t.db, crypto: h.crypto, logger: silentLogger });
    salon = await seedFeedback(s, h.t.db, h.crypto);
    for (const role of ROLES)
      cookies.set(role, await h.login(await h.addStaff(role, 'en', salon.branchA)));
    cookies.set('managerB', await h.login(await h.addStaff('manager', 'en', salon.branchB)));
  }, 120_000);
  afterAll(() => h.tearDown());

  async function read(who: StaffRole | 'managerB', query = '') {
    const response = await pageApi(h, 'feedback', cookies.get(who), undefined, query);
    const text = await response.text();
    return { status: response.status, text, data: JSON.parse(text) as FeedbackPageData };
  }
  const post = (who: StaffRole | 'managerB', body: unknown) =>
    pageApi(h, 'feedback', cookies.get(who), body);

  it('the owner reads every item decrypted, low scores first, messages after the scores', async () => {
    const { status, data } = await read('owner', 'state=all');
    expect(status).toBe(200);
    const items = data.inbox?.items ?? [];
    expect(items.map((i) => i.score)).toEqual([1, 2, 3, 4, 5, 5, 5, 5, null]);
    expect(items[0]).toMatchObject({
      kind: 'rating',
      id: salon.lowVisit,
      text: SECRET.comment,
      clientName: SECRET.name,
      masterName: 'Ольга',
      branchName: 'Центр',
      reachable: true,
    });
    expect(items[1]).toMatchObject({ reachable: false });
    expect(items.at(-1)).toMatchObject({ kind: 'message', text: SECRET.message, score: null });
    expect(data.distribution.counts).toEqual([
      { score: 1, ratings: 1 },
      { score: 2, ratings: 1 },
      { score: 3, ratings: 1 },
      { score: 4, ratings: 1 },
      { score: 5, ratings: 4 },
    ]);
    // (1 + 2 + 3 + 4 + 20) / 8
    expect(data.distribution.average).toBe(3.75);
    expect(data.distribution.unhandledLow).toBe(2);
    expect(data.inbox?.total).toBe(9);
  });

  it('filters by branch, master and score; a filter on score or master leaves messages out', async () => {
    const byBranch = await read('owner', `state=all&branch=${salon.branchB}`);
    expect(byBranch.data.inbox?.items.map((i) => i.id)).toEqual([salon.ratingB]);
    const byMaster = await read('owner', `state=all&master=${salon.masterA}`);
    expect(byMaster.data.inbox?.items).toHaveLength(7);
    const fives = await read('owner', 'state=all&score=5');
    expect(fives.data.inbox?.items.map((i) => i.score)).toEqual([5, 5, 5, 5]);
    const messages = await read('owner', 'kind=message');
    expect(messages.data.inbox?.items.map((i) => i.id)).toEqual([salon.message]);
  });

  it('refuses a malformed filter with a 400 naming it', async () => {
    for (const query of ['score=0', 'score=abc', 'branch=x', 'kind=mail', 'offset=-1', 'sort=x']) {
      const response = await pageApi(h, 'feedback', cookies.get('owner'), undefined, query);
      expect(response.status, query).toBe(400);
    }
  });

  it('a manager sees their branch only and cannot touch another branch', async () => {
    const { data, text } = await read('managerB', 'state=all');
    expect(data.inbox?.items.map((i) => i.kind === 'message' || i.id === salon.ratingB)).toEqual([
      true,
      true,
    ]);
    expect(text).not.toContain(SECRET.comment);
    expect(data.branches.map((b) => b.id)).toEqual([salon.branchB]);
    const response = await post('managerB', {
      action: 'handle',
      kind: 'rating',
      id: salon.lowVisit,
    });
    expect(response.status).toBe(404);
    const row = await h.t.db
      .selectFrom('visit_feedback')
      .select('handled_at')
      .where('appointment_id', '=', salon.lowVisit)
      .executeTakeFirstOrThrow();
    expect(row.handled_at).toBeNull();
  });

  it('an analyst gets the distribution only, small cells as "<5", no personal data', async () => {
    const { status, text, data } = await read('analyst');
    expect(status).toBe(200);
    expect(data.inbox).toBeNull();
    expect(data.seesItems).toBe(false);
    expect(data.distribution.counts).toEqual([
      { score: 1, ratings: '<5' },
      { score: 2, ratings: '<5' },
      { score: 3, ratings: '<5' },
      { score: 4, ratings: '<5' },
      { score: 5, ratings: '<5' },
    ]);
    expect(data.distribution.ratings).toBe(8);
    for (const secret of [...Object.values(SECRET), '+79165550123', salon.clientId])
      expect(text).not.toContain(secret);
    // Changing anything is not theirs.
    expect(
      (await post('analyst', { action: 'handle', kind: 'rating', id: salon.lowVisit })).status,
    ).toBe(403);
  });

  it('a master may not open the inbox', async () => {
    expect((await read('master')).status).toBe(403);
  });

  it('marks an item handled and open again, each audited, and the open filter follows', async () => {
    const ok = await post('admin', { action: 'handle', kind: 'rating', id: salon.lowVisit });
    expect(ok.status).toBe(200);
    const open = await read('owner', 'state=open');
    expect(open.data.inbox?.items.map((i) => i.id)).not.toContain(salon.lowVisit);
    expect(open.data.distribution.unhandledLow).toBe(1);
    const handled = await read('owner', 'state=handled');
    expect(handled.data.inbox?.items.map((i) => i.id)).toEqual([salon.lowVisit]);
    expect(handled.data.inbox?.items[0]?.handledBy).toBe('admin');
    expect(
      (await post('owner', { action: 'reopen', kind: 'rating', id: salon.lowVisit })).status,
    ).toBe(200);
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('entity', '=', 'visit_feedback')
      .where('entity_id', '=', salon.lowVisit)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['handle', 'reopen']);
    const reads = await h.t.db
      .selectFrom('audit_log')
      .select('details')
      .where('entity', '=', 'feedback')
      .execute();
    expect(reads.length).toBeGreaterThan(0);
    expect(JSON.stringify(reads)).not.toContain(SECRET.comment);
  });

  it('replies through the outbox once per text, marks handled, audits without the text', async () => {
    const body = { action: 'reply', kind: 'rating', id: salon.lowVisit, text: '  Простите нас!  ' };
    const first = await post('owner', body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ done: 'reply', queued: true });
    const again = await post('owner', body);
    expect(await again.json()).toEqual({ done: 'reply', queued: false });
    const rows = await h.t.db
      .selectFrom('outbox')
      .select(['dedupe_key', 'payload_enc', 'chat_id', 'kind'])
      .where('kind', '=', 'feedback_reply')
      .execute();
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]?.chat_id)).toBe(salon.chatId);
    const message = readOutboxMessage(h.crypto, rows[0] as never);
    expect(message.text).toContain('Простите нас!');
    const item = await h.t.db
      .selectFrom('visit_feedback')
      .select('handled_at')
      .where('appointment_id', '=', salon.lowVisit)
      .executeTakeFirstOrThrow();
    expect(item.handled_at).not.toBeNull();
    const audit = await h.t.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'reply')
      .execute();
    expect(JSON.stringify(audit)).not.toContain('Простите');
    // A /feedback message is answered to the chat that wrote it.
    const toMessage = await post('manager', {
      action: 'reply',
      kind: 'message',
      id: salon.message,
      text: 'Разберёмся',
    });
    expect(toMessage.status).toBe(200);
  });

  it('refuses an empty, huge or unreachable reply with a clear message and queues nothing', async () => {
    const before = await h.t.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const cases: [unknown, string, string][] = [
      [
        { action: 'reply', kind: 'rating', id: salon.lowVisit, text: '   ' },
        'text',
        'Fill this in.',
      ],
      [
        { action: 'reply', kind: 'rating', id: salon.lowVisit, text: 'я'.repeat(1001) },
        'text',
        'At most 1000 characters.',
      ],
      [
        { action: 'reply', kind: 'rating', id: salon.unreachableVisit, text: 'Здравствуйте' },
        'text',
        'The client cannot be written to in Telegram (erased, blocked the bot or not in the bot).',
      ],
      [
        { action: 'reply', kind: 'rating', id: salon.message, text: 'Здравствуйте' },
        'id',
        'This feedback does not exist or is not yours to see.',
      ],
    ];
    for (const [body, field, text] of cases) {
      const response = await post('owner', body);
      expect(response.status === 400 || response.status === 404, JSON.stringify(body)).toBe(true);
      const answer = (await response.json()) as { errors: Record<string, { key: string }> };
      expect(say('Feedback', answer.errors[field])).toBe(text);
    }
    for (const bad of [
      '{',
      { action: 'delete', kind: 'rating', id: salon.lowVisit },
      { action: 'handle' },
    ])
      expect((await post('owner', bad)).status).toBe(400);
    const after = await h.t.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('serves ECharts from node_modules to staff only', async () => {
    const response = await h.get('/admin/static/echarts.min.js', cookies.get('analyst'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect((await response.text()).length).toBeGreaterThan(500_000);
    const anonymous = await h.get('/admin/static/echarts.min.js');
    expect(anonymous.status).toBe(302);
  });
});
