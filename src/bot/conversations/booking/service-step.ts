import { formatAmount } from '../../../domain/visits/format-when.js';
import { callbacks } from '../../callback-data.js';
import { chooseOne } from '../kit/choose-one.js';
import type { StepOutcome } from '../kit/kit.js';
import { askedBefore, type Booking } from './draft.js';

const servicesIn = (b: Booking) =>
  b.catalogue.services.filter((s) => s.branchIds.includes(b.draft.branchId));
const categoriesIn = (b: Booking) => [...new Set(servicesIn(b).map((s) => s.category))];

/** The salon, asked only where there are several. */
export async function branchStep(b: Booking): Promise<StepOutcome> {
  const { branches } = b.catalogue;
  b.asked.set('branch', branches.length !== 1);
  if (branches.length === 1) {
    b.draft.branchId = branches[0]?.id ?? '';
    b.draft.timeZone = branches[0]?.timeZone ?? '';
    return 'skip';
  }
  const got = await chooseOne(b.kit, {
    text: b.kit.t('book-branch'),
    rows: branches.map((branch, index) => [
      { text: branch.name, data: callbacks.bookingBranch.pack({ index }), value: branch },
    ]),
    back: false,
  });
  if ('nav' in got) return got.nav;
  b.draft.branchId = got.value.id;
  b.draft.timeZone = got.value.timeZone;
  return 'next';
}

/** The kind of service, asked only where the salon has several. */
export async function categoryStep(b: Booking): Promise<StepOutcome> {
  const list = categoriesIn(b);
  b.asked.set('category', list.length > 1);
  if (list.length <= 1) {
    b.draft.category = list[0] ?? '';
    return 'skip';
  }
  const got = await chooseOne(b.kit, {
    text: b.kit.t('book-category'),
    rows: list.map((category, index) => [
      { text: category, data: callbacks.bookingCategory.pack({ index }), value: category },
    ]),
    back: askedBefore(b, 'branch'),
  });
  if ('nav' in got) return got.nav;
  b.draft.category = got.value;
  return 'next';
}

/** The service, with its price and length; asked only where there are several. */
export async function serviceStep(b: Booking): Promise<StepOutcome> {
  const list = servicesIn(b).filter((s) => s.category === b.draft.category);
  const only = list.length === 1 ? list[0] : undefined;
  b.asked.set('service', !only);
  if (only) {
    b.draft.serviceId = only.id;
    b.draft.serviceName = only.name;
    return 'skip';
  }
  const got = await chooseOne(b.kit, {
    text: b.kit.t('book-service'),
    rows: list.map((s, index) => [
      {
        text: b.kit.t('book-service-button', {
          name: s.name,
          price: formatAmount(s.price),
          minutes: s.durationMin,
        }),
        data: callbacks.bookingService.pack({ index }),
        value: s,
      },
    ]),
    back: askedBefore(b, 'branch', 'category'),
  });
  if ('nav' in got) return got.nav;
  b.draft.serviceId = got.value.id;
  b.draft.serviceName = got.value.name;
  return 'next';
}
