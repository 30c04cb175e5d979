import { callbacks } from '../../callback-data.js';
import { chooseOne } from '../kit/choose-one.js';
import type { StepOutcome } from '../kit/kit.js';
import { askedBefore, type Booking } from './draft.js';

/** A master of this branch who does the service, or any; asked only where there are several. */
export async function masterStep(b: Booking): Promise<StepOutcome> {
  const { draft, kit } = b;
  const masters = (
    await kit.conversation.external(() => b.services.booking.mastersFor(draft.serviceId))
  ).filter((m) => m.branchId === draft.branchId);
  const only = masters.length === 1 ? masters[0] : undefined;
  b.asked.set('master', !only);
  if (only) {
    // The only master: "any master" beside them would be a tap with no choice.
    draft.masterId = only.masterId;
    draft.masterName = only.masterName;
    return 'skip';
  }
  const got = await chooseOne<{ id: string; name: string } | null>(kit, {
    text: kit.t('book-master'),
    rows: [
      [{ text: kit.t('book-any-master'), data: callbacks.bookingAnyMaster.pack({}), value: null }],
      ...masters.map((m, index) => [
        {
          text: m.masterName,
          data: callbacks.bookingMaster.pack({ index }),
          value: { id: m.masterId, name: m.masterName },
        },
      ]),
    ],
    back: askedBefore(b, 'branch', 'category', 'service'),
  });
  if ('nav' in got) return got.nav;
  draft.masterId = got.value?.id ?? null;
  draft.masterName = got.value?.name ?? '';
  return 'next';
}
