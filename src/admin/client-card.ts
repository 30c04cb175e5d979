import { currentConsents } from '../domain/onboarding/consents.js';
import { formatWhen } from '../domain/visits/format-when.js';
import type { Services } from '../runtime.js';
import type { ClientCard } from './resources/client-source.js';

/** A client's card in the panel: card number, discount and level, points, friends, consents, visits. */
export function clientCard(
  s: Pick<Services, 'cards' | 'loyalty' | 'referrals' | 'visits' | 'clock'> & {
    db: Parameters<typeof currentConsents>[0];
  },
): ClientCard {
  return async (clientId) => {
    const now = s.clock();
    const [card, standing, friends, consents, visits] = await Promise.all([
      s.cards.activeCard(clientId),
      s.loyalty.standing(clientId, now),
      s.referrals.summary(clientId),
      currentConsents(s.db, clientId),
      s.visits.forClient(clientId, now),
    ]);
    const line = (v: (typeof visits.upcoming)[number]) =>
      `${formatWhen(v.startsAt, v.timeZone, 'ru')} — ${v.service}, ${v.master} (${v.status})`;
    return {
      card,
      discount: `${standing.base}%${standing.level ? ` · ${standing.level.name}` : ''}`,
      points: standing.points,
      friends: `${friends.qualified} / ${friends.pending}`,
      consents: Object.entries(consents)
        .map(([purpose, granted]) => `${purpose}: ${granted ? 'yes' : 'no'}`)
        .join(', '),
      visits: [...visits.upcoming.map(line), ...visits.past.map(line)].join('\n'),
    };
  };
}
