import { DateTime } from 'luxon';
import { expect } from 'vitest';
import { recordConsents } from '../../src/domain/onboarding/consents.js';
import { type BotMessage, buttons, type FakeUser } from '../helpers/fake-bot-api.js';
import type { BotHarness } from './bot-harness.js';

const SYSTEM = { type: 'system' as const, id: null };
export const ZONE = 'Europe/Moscow';
export const at = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toJSDate();

/** Salon: one branch, two categories, Olga (linked to Telegram) and Irina; a manager. */
export async function seedSalon(h: BotHarness, zone = ZONE) {
  const db = h.t.db;
  const branch = await db
    .insertInto('branches')
    .values({ name: 'Центр', time_zone: zone, phone: '+7 495 000-00-00', address: 'Тверская, 1' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const staff = async (email: string, name: string, role: 'master' | 'manager', tg: number) => {
    const { user } = await h.services.staff.create(
      { email, displayName: name, role, password: 'a long enough password' },
      SYSTEM,
    );
    await db
      .updateTable('staff_users')
      .set({ telegram_user_id: tg, locale: 'ru', branch_id: branch.id })
      .where('id', '=', user.id)
      .execute();
    return user.id;
  };
  const olgaUser = await staff('olga@salon.test', 'Ольга', 'master', 9100001);
  const irinaUser = await staff('irina@salon.test', 'Ирина', 'master', 9100002);
  await staff('boss@salon.test', 'Управляющая', 'manager', 9100003);
  const [olga, irina] = await db
    .insertInto('masters')
    .values([
      { branch_id: branch.id, display_name: 'Ольга', staff_user_id: olgaUser },
      { branch_id: branch.id, display_name: 'Ирина', staff_user_id: irinaUser },
    ])
    .returning('id')
    .execute();
  const [haircut, colour, nails] = await db
    .insertInto('services')
    .values([
      { name: 'Стрижка', category: 'Волосы', duration_min: 60, buffer_min: 15, price: 2000 },
      { name: 'Окрашивание', category: 'Волосы', duration_min: 120, price: 5000 },
      { name: 'Маникюр', category: 'Ногти', duration_min: 90, price: 1500 },
    ])
    .returning('id')
    .execute();
  const ids = {
    branch: branch.id,
    olga: olga?.id ?? '',
    irina: irina?.id ?? '',
    haircut: haircut?.id ?? '',
    colour: colour?.id ?? '',
    nails: nails?.id ?? '',
  };
  await db
    .insertInto('master_services')
    .values([
      { master_id: ids.olga, service_id: ids.haircut },
      { master_id: ids.irina, service_id: ids.haircut, price: 1800 },
      { master_id: ids.olga, service_id: ids.colour },
      { master_id: ids.irina, service_id: ids.nails },
    ])
    .execute();
  for (const master of [ids.olga, ids.irina]) {
    await db
      .insertInto('working_hours')
      .values(
        [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
          master_id: master,
          weekday,
          starts: '10:00',
          ends: '19:00',
        })),
      )
      .execute();
  }
  return ids;
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
) {
  user.send('📅 Записаться');
  const categories = await user.nextReply();
  expect(categories.text).toBe('Что вас интересует?');
  user.click(category);
  const list = await user.nextReply();
  const serviceButton = buttons(list)
    .flat()
    .find((b) => service.test(b));
  expect(serviceButton, `service ${service} in ${JSON.stringify(buttons(list))}`).toBeDefined();
  user.click(serviceButton ?? '');
  const masters = await user.nextReply();
  expect(buttons(masters).flat()).toContain('Любой мастер');
  user.click(master);
  return user.nextReply();
}

export function dayButton(calendar: BotMessage, iso: string) {
  const wanted = `bk:d:${iso}`;
  const found = calendar.reply_markup?.inline_keyboard
    ?.flat()
    .find((b) => b.callback_data === wanted);
  expect(found, `day ${iso} in ${JSON.stringify(buttons(calendar))}`).toBeDefined();
  return found?.text ?? '';
}
