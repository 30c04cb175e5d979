import type { AppointmentStatus, ConsentPurpose } from '../db/schema.js';
import { currentConsents } from '../domain/onboarding/consents.js';
import { formatWhen } from '../domain/visits/format-when.js';
import type { Services } from '../runtime.js';
import type { ClientCard } from './resources/client-source.js';

const TEXT = {
  ru: {
    status: {
      booked: 'записан',
      confirmed: 'подтверждён',
      done: 'состоялся',
      cancelled: 'отменён',
      no_show: 'не пришёл',
    },
    purpose: {
      personal_data: 'обработка данных',
      health_data: 'данные о здоровье',
      marketing: 'рассылки',
    },
    yes: 'да',
    no: 'нет',
  },
  en: {
    status: {
      booked: 'booked',
      confirmed: 'confirmed',
      done: 'done',
      cancelled: 'cancelled',
      no_show: 'no-show',
    },
    purpose: { personal_data: 'personal data', health_data: 'health data', marketing: 'marketing' },
    yes: 'yes',
    no: 'no',
  },
} satisfies Record<
  string,
  {
    status: Record<AppointmentStatus, string>;
    purpose: Record<ConsentPurpose, string>;
    yes: string;
    no: string;
  }
>;

/** A client's card in the panel: card number, discount and level, points, friends, consents, visits. */
export function clientCard(
  s: Pick<Services, 'cards' | 'loyalty' | 'referrals' | 'visits' | 'clock'> & {
    db: Parameters<typeof currentConsents>[0];
  },
): ClientCard {
  return async (clientId, locale) => {
    const t = locale === 'en' ? TEXT.en : TEXT.ru;
    const now = s.clock();
    const [card, standing, friends, consents, visits] = await Promise.all([
      s.cards.activeCard(clientId),
      s.loyalty.standing(clientId, now),
      s.referrals.summary(clientId),
      currentConsents(s.db, clientId),
      s.visits.forClient(clientId, now),
    ]);
    const line = (v: (typeof visits.upcoming)[number]) =>
      `${formatWhen(v.startsAt, v.timeZone, locale)} — ${v.service}, ${v.master} (${t.status[v.status]})`;
    return {
      card,
      discount: `${standing.base}%${standing.level ? ` · ${standing.level.name}` : ''}`,
      points: standing.points,
      friends: `${friends.qualified} / ${friends.pending}`,
      consents: Object.entries(consents)
        .map(
          ([purpose, granted]) =>
            `${t.purpose[purpose as ConsentPurpose]}: ${granted ? t.yes : t.no}`,
        )
        .join(', '),
      visits: [...visits.upcoming.map(line), ...visits.past.map(line)].join('\n'),
    };
  };
}
