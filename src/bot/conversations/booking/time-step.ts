import { DateTime } from 'luxon';
import { callbacks } from '../../callback-data.js';
import { chooseOne, type Option } from '../kit/choose-one.js';
import type { StepOutcome } from '../kit/kit.js';
import { type Booking, dateLocale, freeTimes } from './draft.js';

/** The free times of the chosen day; `notice` heads the list (a time just taken). */
export async function timeStep(b: Booking, notice?: string): Promise<StepOutcome> {
  const { draft, kit } = b;
  const times = await freeTimes(b, draft.day);
  if (times.length === 0) {
    await kit.ctx.reply(kit.t('book-day-full'));
    return 'back';
  }
  const rows: Option<number>[][] = [];
  times.forEach((ms, i) => {
    if (i % 4 === 0) rows.push([]);
    rows.at(-1)?.push({
      text: DateTime.fromMillis(ms, { zone: draft.timeZone }).toFormat('HH:mm'),
      data: callbacks.bookingTime.pack({ minute: ms / 60_000 }),
      value: ms,
    });
  });
  const day = DateTime.fromISO(draft.day, { zone: draft.timeZone })
    .setLocale(dateLocale(b))
    .toFormat('cccc d MMMM');
  const text = kit.t('book-time', { day });
  const got = await chooseOne(kit, {
    text: notice ? `${notice}\n\n${text}` : text,
    rows,
    back: true,
  });
  if ('nav' in got) return got.nav;
  draft.startsAt = got.value;
  return 'next';
}
