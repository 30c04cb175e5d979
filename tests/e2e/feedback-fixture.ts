import type { Kysely } from 'kysely';
import type { Crypto } from '../../src/crypto/crypto.js';
import type { Database } from '../../src/db/schema.js';
import { feedbackPlace } from '../../src/domain/visits/visit-feedback.js';
import type { Services } from '../../src/runtime.js';
import { SYSTEM, seedSalon } from '../helpers/salon.js';

/** Personal values that must never reach an analyst (checked in every answer they get). */
export const SECRET = {
  name: 'Отзывова Секретная',
  comment: 'Мастер опоздал на сорок минут',
  message: 'Верните деньги за окрашивание',
  otherBranchComment: 'Чужой филиал, чужой отзыв',
};

export interface FeedbackSalon {
  branchA: string;
  branchB: string;
  masterA: string;
  masterB: string;
  /** Visit id → score, branch A: scores 1, 2, 5, 5, 5, 5, 4 (comments on the 1 and the 5s). */
  ratingsA: { visit: string; score: number }[];
  /** Branch B: one rating of 3 with a comment. */
  ratingB: string;
  /** The 1-star visit, with SECRET.comment, by the Telegram client. */
  lowVisit: string;
  /** A rating by a client who is not in Telegram: a reply cannot reach them. */
  unreachableVisit: string;
  message: string;
  clientId: string;
  chatId: number;
}

/**
 * Two branches, a master each, done visits rated by clients, comments and one /feedback message:
 * written through the domain where it has a use case (clients, messages), rows where it only has
 * a bot flow (a done visit, a rating).
 */
export async function seedFeedback(
  s: Services,
  db: Kysely<Database>,
  crypto: Crypto,
): Promise<FeedbackSalon> {
  const a = await seedSalon(s, {
    services: [{ name: 'Стрижка', category: 'Волосы', durationMin: 60, price: 2000 }],
    masters: [{ name: 'Ольга' }],
  });
  const b = await seedSalon(s, {
    zone: 'Asia/Yekaterinburg',
    branch: { name: 'Север' },
    services: [a.service],
    masters: [{ name: 'Ирина' }],
  });
  const [branchA, branchB, service] = [a.branch, b.branch, a.service];
  const [masterA = '', masterB = ''] = [...a.masters, ...b.masters];
  const chatId = 700_100_200;
  const client = await s.clients.create(
    { name: SECRET.name, phone: '+79165550123', telegramUserId: chatId },
    SYSTEM,
  );
  const offline = await s.clients.create({ name: 'Без Телеграма' }, SYSTEM);

  let day = 0;
  async function ratedVisit(
    branch: string,
    master: string,
    clientId: string,
    score: number,
    comment: string | null,
  ): Promise<string> {
    day += 1;
    const starts = new Date(Date.UTC(2026, 9, day, 9, 0));
    const ends = new Date(starts.getTime() + 60 * 60_000);
    const visit = await db
      .insertInto('appointments')
      .values({
        branch_id: branch,
        master_id: master,
        service_id: service,
        client_id: clientId,
        starts_at: starts,
        ends_at: ends,
        blocked_until: ends,
        status: 'done',
        price: 2000,
        amount_paid: 2000,
        channel: 'bot',
        completed_at: ends,
        created_at: starts,
        updated_at: ends,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('visit_feedback')
      .values({
        appointment_id: visit.id,
        client_id: clientId,
        score,
        comment_enc: comment ? crypto.encryptSystem(feedbackPlace(visit.id), comment) : null,
        created_at: ends,
      })
      .execute();
    return visit.id;
  }

  const ratingsA: { visit: string; score: number }[] = [];
  const lowVisit = await ratedVisit(branchA, masterA, client.id, 1, SECRET.comment);
  ratingsA.push({ visit: lowVisit, score: 1 });
  for (const score of [2, 5, 5, 5, 5, 4]) {
    const visit = await ratedVisit(
      branchA,
      masterA,
      client.id,
      score,
      score === 5 ? `Всё отлично ${ratingsA.length}` : null,
    );
    ratingsA.push({ visit, score });
  }
  const unreachableVisit = ratingsA[1]?.visit ?? '';
  await db
    .updateTable('visit_feedback')
    .set({ client_id: offline.id })
    .where('appointment_id', '=', unreachableVisit)
    .execute();
  await db
    .updateTable('appointments')
    .set({ client_id: offline.id })
    .where('id', '=', unreachableVisit)
    .execute();
  const ratingB = await ratedVisit(branchB, masterB, client.id, 3, SECRET.otherBranchComment);
  const message = await s.messages.submit({
    telegramUserId: chatId,
    clientId: client.id,
    body: SECRET.message,
  });
  return {
    branchA,
    branchB,
    masterA,
    masterB,
    ratingsA,
    ratingB,
    lowVisit,
    unreachableVisit,
    message,
    clientId: client.id,
    chatId,
  };
}
