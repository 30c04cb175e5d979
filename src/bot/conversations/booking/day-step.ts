import { DateTime } from 'luxon';
import { callbacks } from '../../callback-data.js';
import { chooseOne, type Option } from '../kit/choose-one.js';
import type { StepOutcome } from '../kit/kit.js';
import { askedBefore, type Booking, dateLocale, freeTimes, localDay } from './draft.js';

const DAYS_PER_PAGE = 12;

type Pick = { day: string } | { page: 1 | -1 };

/** A calendar of the days with free time, twelve at a time. */
export async function dayStep(b: Booking): Promise<StepOutcome> {
  const { draft, kit, moving } = b;
  const days = [...new Set((await freeTimes(b)).map((ms) => localDay(b, ms)))];
  if (days.length === 0) {
    await kit.ctx.reply(kit.t('book-no-days'));
    return moving ? 'cancel' : 'back';
  }
  let page = 0;
  for (;;) {
    const shown = days.slice(page * DAYS_PER_PAGE, (page + 1) * DAYS_PER_PAGE);
    const rows: Option<Pick>[][] = [];
    shown.forEach((day, i) => {
      if (i % 3 === 0) rows.push([]);
      const text = DateTime.fromISO(day, { zone: draft.timeZone })
        .setLocale(dateLocale(b))
        .toFormat('ccc d.MM');
      rows.at(-1)?.push({ text, data: callbacks.bookingDay.pack({ day }), value: { day } });
    });
    const paging: Option<Pick>[] = [];
    if (page > 0)
      paging.push({
        text: kit.t('book-earlier'),
        data: callbacks.bookingDayPage.pack({ page: 'prev' }),
        value: { page: -1 },
      });
    if ((page + 1) * DAYS_PER_PAGE < days.length)
      paging.push({
        text: kit.t('book-later'),
        data: callbacks.bookingDayPage.pack({ page: 'next' }),
        value: { page: 1 },
      });
    if (paging.length > 0) rows.push(paging);
    const got = await chooseOne(kit, {
      text: kit.t('book-day'),
      rows,
      back: !moving && askedBefore(b, 'branch', 'category', 'service', 'master'),
    });
    if ('nav' in got) return got.nav;
    if ('page' in got.value) {
      page += got.value.page;
      continue;
    }
    draft.day = got.value.day;
    return 'next';
  }
}
