import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { PostgresSessionStore } from '../../src/admin/panel/session-store.js';
import {
  conversationKey,
  createConversationStore,
} from '../../src/bot/conversations/conversation-store.js';
import { claimUpdate } from '../../src/bot/processed-updates.js';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { Database } from '../../src/db/schema.js';
import { refreshAnalyticsSummary } from '../../src/domain/analytics/summary.js';
import { guessMapping } from '../../src/domain/clients/client-import.js';
import { runImportJob } from '../../src/domain/clients/import-jobs.js';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { SourceService } from '../../src/domain/onboarding/sources.js';
import { enqueueMessage } from '../../src/domain/outbox/outbox.js';
import { setSetting } from '../../src/domain/settings.js';
import { sendLimits } from '../../src/jobs/send-limits.js';
import { startJobs } from '../../src/jobs/start-jobs.js';
import type { Services } from '../../src/runtime.js';
import { appendMessage, enqueueUpdate, insertPersona } from '../../src/sandbox/sandbox-store.js';
import { salonTime } from './clock.js';
import { silentLogger } from './fixtures.js';
import { addBranch, SYSTEM } from './salon.js';

/** The populated salon's "now": 10:05 in Moscow, the greeting hour, on a client's birthday. */
const { at, now: POPULATED_NOW } = salonTime('2026-12-01T10:05');

export { POPULATED_NOW };

/**
 * A small salon with a row in every table, made through the domain services where they exist
 * (clients, registration with consents and a referral, bookings, completion, ratings, coupons,
 * cards, greetings, staff, link codes) and the stores the bot and panel use for the rest.
 */
export async function populateSalon(s: Services & { crypto: Crypto }, db: Kysely<Database>) {
  const branch = await addBranch(s);
  const service = await s.catalogue.createService(
    { name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 1000 },
    SYSTEM,
  );
  const { user: owner } = await s.staff.create(
    {
      email: 'owner@salon.test',
      displayName: 'Хозяйка',
      role: 'owner',
      password: 'a long enough password',
    },
    SYSTEM,
  );
  const { user: masterUser } = await s.staff.create(
    {
      email: 'olga@salon.test',
      displayName: 'Ольга',
      role: 'master',
      password: 'a long enough password',
    },
    SYSTEM,
  );
  await s.staff.createLinkCode('olga@salon.test', { type: 'staff', id: owner.id });
  const master = await s.catalogue.createMaster(
    { branchId: branch, displayName: 'Ольга', staffUserId: masterUser.id },
    SYSTEM,
  );
  await s.catalogue.setMasterServices(master, [{ serviceId: service }], SYSTEM);
  await s.catalogue.setWeeklyHours(
    master,
    [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '21:00' })),
    SYSTEM,
  );
  await s.catalogue.setException(master, { day: '2026-12-31', kind: 'off' }, SYSTEM);
  const source = await new SourceService(db).create(
    { name: 'Instagram', parentId: null, linkCode: 'insta' },
    SYSTEM,
  );
  await s.loyalty.setRules((await s.loyalty.rules()).rules, { type: 'staff', id: owner.id });

  const anna = await s.clients.create(
    {
      name: 'Анна Петрова',
      phone: '+79161234567',
      birthday: { day: 1, month: 12, year: 1990 },
      allergies: 'латекс',
      notes: 'любит чай',
      telegramUserId: 5001,
    },
    SYSTEM,
  );
  await recordConsents(
    db,
    anna.id,
    [
      { purpose: 'personal_data', granted: true },
      { purpose: 'marketing', granted: true },
      { purpose: 'health_data', granted: true },
    ],
    'telegram',
  );
  const annaCode = (
    await db
      .selectFrom('clients')
      .select('referral_code')
      .where('id', '=', anna.id)
      .executeTakeFirstOrThrow()
  ).referral_code;
  const friend = await s.registration.register({
    telegramUserId: 5002,
    phone: '+79167654321',
    name: 'Мария Иванова',
    birthday: { day: 2, month: 3, year: 1985 },
    locale: 'ru',
    healthDataConsent: false,
    marketingConsent: true,
    sourceId: source,
    referralCode: annaCode,
  });
  await s.cards.activeCard(anna.id);

  // An earlier visit of the same service: the friend's rhythm for the churn model.
  const earlier = await s.booking.book(
    {
      clientId: friend.client.id,
      serviceId: service,
      masterId: master,
      startsAt: at('2026-11-16T12:00'),
      channel: 'bot',
    },
    SYSTEM,
    at('2026-11-15T09:00'),
  );
  await s.visits.complete(earlier.id, {}, { type: 'staff', id: owner.id }, at('2026-11-16T13:00'));
  const booked = await s.booking.book(
    {
      clientId: friend.client.id,
      serviceId: service,
      masterId: master,
      startsAt: at('2026-11-30T12:00'),
      channel: 'bot',
    },
    SYSTEM,
    at('2026-11-29T09:00'),
  );
  await s.visits.complete(booked.id, {}, { type: 'staff', id: owner.id }, POPULATED_NOW);
  await s.visits.rate(friend.client.id, booked.id, 5);
  await s.booking.book(
    {
      clientId: anna.id,
      serviceId: service,
      masterId: master,
      startsAt: at('2026-12-02T15:00'),
      channel: 'bot',
    },
    SYSTEM,
    POPULATED_NOW,
  );
  await s.loyalty.issueManualCoupon(
    {
      clientId: anna.id,
      percent: 15,
      validFrom: POPULATED_NOW,
      validUntil: at('2026-12-20T00:00'),
      categories: [],
    },
    { type: 'staff', id: owner.id },
    POPULATED_NOW,
  );
  await s.greetings.runBirthdays(POPULATED_NOW);
  await s.messages.submit({ telegramUserId: 5001, clientId: anna.id, body: 'Можно перенести?' });
  await enqueueMessage(db, s.crypto, {
    dedupeKey: 'backup-test',
    chatId: 5001,
    clientId: anna.id,
    kind: 'test',
    message: { text: 'queued' },
  });
  await createConversationStore<{ step: string }>(db, s.crypto).write(
    conversationKey(5003, 'registration'),
    { step: 'phone' },
  );
  await claimUpdate(db, 900_001);
  await setSetting(db, 'bot.username', 'salon_bot');
  const jobs = startJobs({
    db,
    logger: silentLogger,
    jobs: [{ name: 'noop', schedule: '0 0 1 1 *', run: async () => undefined }],
  });
  await jobs.runNow('noop', POPULATED_NOW);
  await jobs.stop();
  await new Promise<void>((resolve, reject) =>
    new PostgresSessionStore(db, 60_000).set(
      'sid-1',
      { adminUser: { id: owner.id } } as never,
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  // A wrong password from one address: the login throttle keeps its count.
  await s.staff.authenticate('owner@salon.test', 'not the password', '192.0.2.7').catch(() => {});
  // The Telegram sandbox: a persona, a line of its chat and an update the bot has not fetched.
  const persona = await insertPersona(db, s.crypto, {
    kind: 'client',
    name: 'Песочница',
    language: 'ru',
    staffUserId: null,
    createdBy: owner.id,
  });
  await appendMessage(db, s.crypto, persona.id, {
    fromBot: false,
    body: { kind: 'text', text: 'Привет' },
    numbered: true,
  });
  await enqueueUpdate(db, s.crypto, persona.id, (updateId) => ({ update_id: updateId }));
  // A finished dry-run import (its job row and report) and the shared send limits' state.
  await runImportJob(db, Readable.from(['name,phone\nИмпорт Пробный,+79160000077\n']), {
    id: '00000000-0000-4000-8000-000000000077',
    clients: s.clients,
    mapping: {},
    guess: guessMapping,
    dryRun: true,
    actor: { type: 'staff', id: owner.id },
    now: () => POPULATED_NOW,
  });
  const limits = sendLimits(db, { rate: 2, gapMs: 1000, leaseSeconds: 35 });
  const slot = await limits.takeSlot(() => false);
  if (slot !== undefined) await limits.freeSlot(slot);
  await limits.takeChat('5001');
  await limits.freeChat('5001');
  // The analytics job's summaries of what is above, then visits changed since (so the queue of
  // months and clients to refresh has rows too, as on a running salon).
  await refreshAnalyticsSummary(db, POPULATED_NOW);
  await db
    .updateTable('appointments')
    .set((eb) => ({ status: eb.ref('status') }))
    .execute();
  return { anna, friend: friend.client, owner: owner.id, master, service, branch };
}
