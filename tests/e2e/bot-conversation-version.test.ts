import { readFileSync, writeFileSync } from 'node:fs';
import type { ConversationData, VersionedState } from '@grammyjs/conversations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  conversationKey,
  createConversationStore,
} from '../../src/bot/conversations/conversation-store.js';
import { CONVERSATIONS_VERSION } from '../../src/bot/conversations/upgrade.js';
import { buttons, type FakeUser } from '../helpers/fake-bot-api.js';
import { BotHarness, bookVisit } from './bot-harness.js';
import { at, client, seedSalon } from './salon-fixture.js';

const SNAPSHOT = new URL('./conversation-shapes.json', import.meta.url);

/** The keys and value types of a replayed value, e.g. `{id:string,when:number}`. */
function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${[...new Set(value.map(shapeOf))].sort().join('|')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a.localeCompare(b),
    );
    return `{${entries.map(([k, v]) => `${k}:${shapeOf(v)}`).join(',')}}`;
  }
  return typeof value;
}

/** Per conversation, the shapes of what its `external` calls returned, as stored for replay. */
function externalShapes(stored: VersionedState<ConversationData>, into: Map<string, Set<string>>) {
  for (const [name, states] of Object.entries(stored.state)) {
    const shapes = into.get(name) ?? new Set<string>();
    into.set(name, shapes);
    for (const { replay } of states) {
      for (const received of replay.receive) {
        if (replay.send[received.send]?.payload !== 'external') continue;
        const result = received.returnValue as { ok: boolean; ret?: unknown };
        shapes.add(result.ok ? shapeOf(result.ret) : 'error');
      }
    }
  }
}

describe('bot: conversation versions', () => {
  const h = new BotHarness();
  beforeAll(async () => {
    await h.setUp();
    await seedSalon(h);
  });
  afterAll(() => h.tearDown());

  const stored = async (user: FakeUser) => {
    await h.clientele.inFlight.drain();
    return createConversationStore<VersionedState<ConversationData>>(h.t.db, h.crypto).read(
      conversationKey(user.id, 'conversations'),
    );
  };

  it('fails when the shape of replayed data changes without CONVERSATIONS_VERSION changing', async () => {
    h.now = at('2026-11-30T09:00');
    const shapes = new Map<string, Set<string>>();
    const booker = h.fake.user({ language_code: 'ru', first_name: 'Юлия' });
    await client(h, booker, '+79160000201');
    await bookVisit(
      booker,
      {
        category: 'Волосы',
        service: /^Стрижка/,
        master: 'Ольга',
        day: '2026-12-02',
        time: '11:00',
      },
      { confirm: false },
    );
    const atConfirm = await stored(booker);
    expect(atConfirm?.version[1]).toBe(CONVERSATIONS_VERSION);
    if (atConfirm) externalShapes(atConfirm, shapes);
    booker.click('Отмена');
    await booker.nextReply();

    const newcomer = h.fake.user({ language_code: 'ru', first_name: 'Яна' });
    newcomer.send('/start');
    await newcomer.replies(2); // welcome, consent
    newcomer.click('Согласен(на)');
    await newcomer.nextReply();
    newcomer.click('Да');
    await newcomer.nextReply();
    newcomer.click('Нет');
    await newcomer.nextReply(); // the phone
    const atPhone = await stored(newcomer);
    if (atPhone) externalShapes(atPhone, shapes);

    const actual = Object.fromEntries(
      [...shapes].sort(([a], [b]) => a.localeCompare(b)).map(([n, s]) => [n, [...s].sort()]),
    );
    const snapshot = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as {
      version: number;
      shapes: Record<string, string[]>;
    };
    if (snapshot.version !== CONVERSATIONS_VERSION && process.env.UPDATE_CONVERSATION_SHAPES) {
      writeFileSync(
        SNAPSHOT,
        `${JSON.stringify({ version: CONVERSATIONS_VERSION, shapes: actual }, null, 2)}\n`,
      );
      return;
    }
    expect(
      snapshot.version,
      'CONVERSATIONS_VERSION changed: re-record with UPDATE_CONVERSATION_SHAPES=1',
    ).toBe(CONVERSATIONS_VERSION);
    expect(
      actual,
      'the replayed data of a conversation changed shape: bump CONVERSATIONS_VERSION (in ' +
        'src/bot/conversations/upgrade.ts), then re-record with UPDATE_CONVERSATION_SHAPES=1',
    ).toEqual(snapshot.shapes);
  });

  it('restarts a conversation stored by an older version with a short word, never an error', async () => {
    h.now = at('2026-11-30T09:00');
    const user = h.fake.user({ language_code: 'ru', first_name: 'Эмма' });
    await client(h, user, '+79160000202');
    user.send('📅 Записаться');
    const categories = await user.nextReply();
    expect(categories.text).toBe('Что вас интересует?');
    // As if this state had been written by the previous release, before an upgrade.
    const state = await stored(user);
    expect(state).toBeDefined();
    const store = createConversationStore<unknown>(h.t.db, h.crypto);
    await store.write(conversationKey(user.id, 'conversations'), {
      ...state,
      version: [0, CONVERSATIONS_VERSION - 1],
    });

    user.click('Волосы', { message: categories });
    expect((await user.nextReply()).text).toBe('Бот обновился, поэтому начнём заново.');
    const again = await user.nextReply();
    expect(again.text).toBe('Что вас интересует?');
    expect(buttons(again).flat()).toEqual(['Волосы', 'Ногти', 'Отмена']);
    expect((await stored(user))?.version[1]).toBe(CONVERSATIONS_VERSION);
    // The restarted booking goes on as usual.
    user.click('Волосы');
    expect(buttons(await user.nextReply()).flat()).toContain('Стрижка · 2000 ₽ · 60 мин');

    // A command after an upgrade is simply handled; the old state is gone.
    await store.write(conversationKey(user.id, 'conversations'), {
      ...(await stored(user)),
      version: [0, CONVERSATIONS_VERSION - 1],
    });
    user.send('/help');
    expect((await user.nextReply()).text).not.toBe('Бот обновился, поэтому начнём заново.');
    expect(await stored(user)).toBeUndefined();
  });
});
