import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderNotice } from '../../src/domain/shared/notice.js';
import { agendaMessage } from '../../src/domain/visits/master-agenda.js';
import { ratingAsk, reminder } from '../../src/domain/visits/visit-notices.js';
import type { VisitView } from '../../src/domain/visits/visit-view.js';

const visit: VisitView = {
  id: '3f2b9c1e-8d4a-4e6f-9a1b-2c3d4e5f6a7b',
  clientId: '11111111-2222-4333-8444-555555555555',
  masterId: '66666666-7777-4888-9999-000000000000',
  serviceId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  branchId: 'bbbbbbbb-cccc-4ddd-8eee-ffffffffffff',
  startsAt: new Date('2026-12-02T07:00:00Z'),
  endsAt: new Date('2026-12-02T08:00:00Z'),
  status: 'booked',
  price: '2000.00',
  discountPct: 10,
  amountPaid: null,
  movedCount: 0,
  timeZone: 'Europe/Moscow',
  service: 'Стрижка',
  master: 'Ольга',
  branch: 'Центр',
  branchPhone: '+74950000000',
  branchAddress: null,
  masterStaffUserId: null,
};
const to = { chatId: 42, clientId: visit.clientId, locale: 'en' };
/** A translator that shows what it was asked, so the test sees keys and parameters. */
const echo = (locale: string, key: string, params?: Record<string, string | number>) =>
  `${locale}:${key}${params ? JSON.stringify(params) : ''}`;

describe('visit notices are plain data with intents', () => {
  it('a reminder offers Confirm, and Cancel only before the cut-off', () => {
    const early = reminder(visit, to, 24, true);
    expect(early.dedupeKey).toBe(`reminder:${visit.id}:${visit.startsAt.getTime() / 1000}:24`);
    expect(early.key).toBe('reminder');
    expect(early.buttons?.flat().map((b) => b.intent)).toEqual([
      { kind: 'confirm-visit', visitId: visit.id },
      { kind: 'cancel-visit', visitId: visit.id },
    ]);
    const late = reminder(visit, to, 2, false);
    expect(late.key).toBe('reminder-call-to-cancel');
    expect(late.buttons?.flat().map((b) => b.intent.kind)).toEqual(['confirm-visit']);
    expect(late.params).toMatchObject({ address: 'Центр', phone: '+74950000000' });
  });

  it('renders in the recipient language, with stars that need no translation', () => {
    const message = renderNotice(echo, ratingAsk(visit, to));
    expect(message.text).toBe('en:rate-ask{"service":"Стрижка","master":"Ольга"}');
    expect(message.buttons?.[0]).toEqual(
      ([1, 2, 3, 4, 5] as const).map((score) => ({
        text: '⭐'.repeat(score),
        intent: { kind: 'rate-visit', visitId: visit.id, score },
      })),
    );
  });

  it("a master's agenda has Done and No-show per visit, as intents", () => {
    const item = { visit, clientName: 'Анна', notes: null, allergies: null };
    const agenda = agendaMessage({ translate: echo }, [item], 'ru', 'среда 2 декабря');
    expect(agenda.buttons).toEqual([
      [
        {
          text: 'ru:agenda-done{"time":"10:00"}',
          intent: { kind: 'visit-done', visitId: visit.id },
        },
        {
          text: 'ru:agenda-no-show{"time":"10:00"}',
          intent: { kind: 'visit-no-show', visitId: visit.id },
        },
      ],
    ]);
    expect(agendaMessage({ translate: echo }, [], 'ru', 'день').buttons).toEqual([]);
  });

  it('no domain file writes callback data', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/domain');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(files.length).toBeGreaterThan(20);
    const callback = /['`](rate|rv|mv|cv):[a-z$]/;
    const writing = files.filter((f) => callback.test(readFileSync(path.join(root, f), 'utf8')));
    expect(writing).toEqual([]);
  });
});
