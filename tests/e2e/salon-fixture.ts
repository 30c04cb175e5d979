import { expect } from 'vitest';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { SALON_ZONE, zonedAt } from '../helpers/clock.js';
import { type BotMessage, buttons, type FakeUser } from '../helpers/fake-bot-api.js';
import { addStaff, SYSTEM, seedSalon as seedSalonCatalogue } from '../helpers/salon.js';
import type { BotHarness } from './bot-harness.js';

export const ZONE = SALON_ZONE;
export const at = zonedAt(ZONE);

/** Salon: one branch, two categories, Olga (linked to Telegram) and Irina; a manager. */
export async function seedSalon(h: BotHarness, zone = ZONE) {
  const staff = (email: string, telegramUserId: number) => ({
    email,
    telegramUserId,
    locale: 'ru' as const,
  });
  const salon = await seedSalonCatalogue(h.services, {
    zone,
    branch: { name: 'Центр', phone: '+7 495 000-00-00', address: 'Тверская, 1' },
    services: [
      { name: 'Стрижка', category: 'Волосы', durationMin: 60, bufferMin: 15, price: 2000 },
      { name: 'Окрашивание', category: 'Волосы', durationMin: 120, price: 5000 },
      { name: 'Маникюр', category: 'Ногти', durationMin: 90, price: 1500 },
    ],
    masters: [
      {
        name: 'Ольга',
        staff: staff('olga@salon.test', 9100001),
        services: [{ service: 0 }, { service: 1 }],
      },
      {
        name: 'Ирина',
        staff: staff('irina@salon.test', 9100002),
        services: [{ service: 0, price: 1800 }, { service: 2 }],
      },
    ],
    hours: { start: '10:00', end: '19:00' },
  });
  await addStaff(h.services, {
    ...staff('boss@salon.test', 9100003),
    role: 'manager',
    displayName: 'Управляющая',
    branchId: salon.branch,
  });
  const [haircut = '', colour = '', nails = ''] = salon.services;
  const [olga = '', irina = ''] = salon.masters;
  return { branch: salon.branch, olga, irina, haircut, colour, nails };
}

export async function client(h: BotHarness, user: FakeUser, phone: string, health = true) {
  const c = await h.clients.create(
    {
      name: `${user.info.first_name} Клиентова`,
      phone,
      telegramUserId: user.id,
      locale: 'ru',
      notes: 'любит короткие стрижки',
      allergies: 'латекс',
    },
    SYSTEM,
  );
  await recordConsents(
    h.t.db,
    c.id,
    [
      { purpose: 'personal_data', granted: true },
      { purpose: 'health_data', granted: health },
    ],
    'telegram',
  );
  return c;
}

/** Presses the menu's Book and walks to the calendar for a service and master. */
export async function toCalendar(
  user: FakeUser,
  category: string,
  service: RegExp,
  master: string,
  wait: { timeoutMs?: number } = {},
) {
  user.send('📅 Записаться');
  const categories = await user.nextReply(wait);
  expect(categories.text).toBe('Что вас интересует?');
  user.click(category);
  const list = await user.nextReply(wait);
  const serviceButton = buttons(list)
    .flat()
    .find((b) => service.test(b));
  expect(serviceButton, `service ${service} in ${JSON.stringify(buttons(list))}`).toBeDefined();
  user.click(serviceButton ?? '');
  const masters = await user.nextReply(wait);
  expect(masters.text).toMatch(/мастера/);
  expect(buttons(masters).flat()).toContain('Любой мастер');
  user.click(master);
  return user.nextReply(wait);
}

export function dayButton(calendar: BotMessage, iso: string) {
  const wanted = `bk:d:${iso}`;
  const found = calendar.reply_markup?.inline_keyboard
    ?.flat()
    .find((b) => b.callback_data === wanted);
  expect(found, `day ${iso} in ${JSON.stringify(buttons(calendar))}`).toBeDefined();
  return found?.text ?? '';
}
