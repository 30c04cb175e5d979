/** The demo salon's fixed parts: its branches, catalogue, people's names and typical texts. */

export const BRANCHES = [
  {
    key: 'msk',
    name: 'Clientele на Патриарших',
    timeZone: 'Europe/Moscow',
    phone: '+7 495 123-45-67',
    address: 'Москва, Малая Бронная ул., 20',
    /** Share of the salon's clients whose home branch this is. */
    share: 0.62,
  },
  {
    key: 'ekb',
    name: 'Clientele Екатеринбург',
    timeZone: 'Asia/Yekaterinburg',
    phone: '+7 343 234-56-78',
    address: 'Екатеринбург, ул. Вайнера, 15',
    share: 0.38,
  },
] as const;
export type BranchKey = (typeof BRANCHES)[number]['key'];

export type CategoryKey = 'hair' | 'nails' | 'brows' | 'skin' | 'massage';

export const CATEGORIES: Record<CategoryKey, string> = {
  hair: 'Волосы',
  nails: 'Ногти',
  brows: 'Брови и ресницы',
  skin: 'Косметология',
  massage: 'Массаж',
};

export interface DemoService {
  name: string;
  category: CategoryKey;
  minutes: number;
  price: number;
  buffer: number;
  weight: number;
}

/** 30 services in 5 categories: name, category, minutes, price (roubles), buffer, popularity. */
export const SERVICES: readonly DemoService[] = (
  [
    ['Женская стрижка', 'hair', 60, 2500, 15, 10],
    ['Мужская стрижка', 'hair', 45, 1500, 0, 8],
    ['Детская стрижка', 'hair', 30, 1000, 0, 3],
    ['Окрашивание в один тон', 'hair', 120, 5500, 15, 5],
    ['Сложное окрашивание', 'hair', 180, 9000, 15, 3],
    ['Укладка', 'hair', 45, 1800, 0, 5],
    ['Вечерняя причёска', 'hair', 90, 4000, 15, 2],
    ['Маникюр классический', 'nails', 60, 1500, 15, 9],
    ['Маникюр с покрытием гель-лак', 'nails', 90, 2500, 15, 10],
    ['Педикюр', 'nails', 90, 2800, 15, 6],
    ['Снятие покрытия', 'nails', 30, 500, 0, 2],
    ['Наращивание ногтей', 'nails', 150, 4000, 15, 2],
    ['Дизайн ногтей', 'nails', 30, 700, 0, 2],
    ['Коррекция бровей', 'brows', 30, 900, 0, 6],
    ['Окрашивание бровей', 'brows', 30, 800, 0, 4],
    ['Ламинирование бровей', 'brows', 60, 2200, 15, 3],
    ['Ламинирование ресниц', 'brows', 75, 2500, 15, 3],
    ['Наращивание ресниц', 'brows', 120, 3500, 15, 3],
    ['Окрашивание ресниц', 'brows', 30, 600, 0, 2],
    ['Чистка лица', 'skin', 90, 4500, 15, 4],
    ['Пилинг', 'skin', 60, 3500, 15, 3],
    ['Уходовая процедура для лица', 'skin', 60, 3800, 15, 3],
    ['Биоревитализация', 'skin', 45, 9000, 15, 1],
    ['Массаж лица', 'skin', 45, 2500, 0, 2],
    ['Эпиляция воском', 'skin', 45, 2000, 15, 2],
    ['Классический массаж спины', 'massage', 60, 3000, 15, 5],
    ['Общий массаж', 'massage', 90, 4500, 15, 3],
    ['Антицеллюлитный массаж', 'massage', 60, 3500, 15, 3],
    ['Лимфодренажный массаж', 'massage', 60, 3500, 15, 2],
    ['Массаж шейно-воротниковой зоны', 'massage', 30, 1500, 0, 3],
  ] as const
).map(([name, category, minutes, price, buffer, weight]) => ({
  name,
  category,
  minutes,
  price,
  buffer,
  weight,
}));

export interface DemoMaster {
  name: string;
  branch: BranchKey;
  categories: readonly CategoryKey[];
  weekdays: readonly number[];
  hours: { start: string; end: string }[];
}

/**
 * 8 masters: branch, categories, weekly pattern (ISO weekdays) and hours (`start-end`); a lunch
 * break splits some days in two.
 */
const MASTER_ROWS: readonly [
  string,
  BranchKey,
  readonly CategoryKey[],
  readonly number[],
  readonly string[],
][] = [
  ['Анна Соколова', 'msk', ['hair'], [1, 2, 3, 4, 5], ['10:00-14:00', '15:00-20:00']],
  ['Дмитрий Волков', 'msk', ['hair'], [2, 3, 4, 5, 6], ['11:00-21:00']],
  ['Екатерина Морозова', 'msk', ['nails'], [1, 3, 5, 6, 7], ['10:00-20:00']],
  ['Мария Лебедева', 'msk', ['brows', 'skin'], [1, 2, 4, 5, 6], ['10:00-13:30', '14:30-19:00']],
  ['Игорь Новиков', 'msk', ['massage'], [1, 2, 3, 4, 6], ['12:00-21:00']],
  ['Ольга Кузнецова', 'ekb', ['hair', 'brows'], [2, 3, 4, 5, 6], ['10:00-19:00']],
  ['Светлана Попова', 'ekb', ['nails'], [1, 2, 3, 5, 6], ['09:00-13:00', '14:00-19:00']],
  ['Наталья Смирнова', 'ekb', ['skin', 'massage'], [1, 3, 4, 5, 7], ['10:00-20:00']],
];
export const MASTERS: readonly DemoMaster[] = MASTER_ROWS.map(
  ([name, branch, categories, weekdays, hours]) => ({
    name,
    branch,
    categories,
    weekdays,
    hours: hours.map((span) => {
      const [start = '', end = ''] = span.split('-');
      return { start, end };
    }),
  }),
);

/** Where clients come from: a tree; `link` gives a node its own deep link. */
export const SOURCES: readonly {
  name: string;
  link?: string;
  children?: { name: string; link?: string }[];
  weight: number;
}[] = [
  {
    name: 'Instagram',
    weight: 30,
    children: [
      { name: 'Сторис', link: 'insta_stories' },
      { name: 'Реклама', link: 'insta_ads' },
      { name: 'Блогеры', link: 'insta_bloggers' },
    ],
  },
  { name: '2ГИС', link: 'twogis', weight: 15 },
  { name: 'Яндекс Карты', link: 'yandex_maps', weight: 20 },
  { name: 'ВКонтакте', link: 'vk', weight: 8 },
  { name: 'Проходили мимо', weight: 12 },
  { name: 'Рекомендация друзей', link: 'friends', weight: 15 },
];

/** A list of single words, written as one space-separated line. */
const words = (line: string): readonly string[] => line.split(' ');

export const FEMALE_FIRST = words(
  'Анна Мария Елена Ольга Наталья Татьяна Ирина Светлана Екатерина Юлия Анастасия Дарья Алина Виктория Ксения Полина Марина Валерия Софья Алёна Вера Людмила Галина Евгения Кристина Надежда Любовь Яна Диана Вероника Александра Елизавета Арина Карина Маргарита',
);
export const MALE_FIRST = words(
  'Александр Дмитрий Максим Сергей Андрей Алексей Артём Илья Кирилл Михаил Никита Иван Евгений Павел Роман Владимир Денис Олег',
);
/** Surnames in the masculine form; the feminine adds -а (Иванов → Иванова). */
export const SURNAMES = words(
  'Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев',
);
export const ENGLISH_FEMALE = words('Emily Olivia Sophie Charlotte Hannah Laura Kate Julia');
export const ENGLISH_MALE = ['James', 'Thomas', 'Daniel', 'Michael', 'David', 'Mark'];
export const ENGLISH_SURNAMES = words(
  'Smith Brown Wilson Taylor Clarke Walker Wright Hughes Green Baker',
);

export const ALLERGIES = [
  'Аллергия на латекс',
  'Аллергия на никель',
  'Непереносимость аммиачных красок',
  'Чувствительная кожа, реакция на ароматизаторы',
  'Аллергия на лидокаин',
  'Аллергия на акрилаты',
];

export const NOTES = [
  'Предпочитает тихую музыку',
  'Любит кофе без сахара',
  'Просит напоминать за день',
  'Приходит с ребёнком, нужен детский стул',
  'Предпочитает вечернее время',
  'Постоянная клиентка, всегда к одному мастеру',
  'Оплачивает картой',
];

export const TAGS = ['VIP', 'постоянный', 'корпоративный', 'блогер', 'сотрудник соседнего офиса'];

export const GOOD_COMMENTS = [
  'Всё отлично, спасибо!',
  'Очень довольна, приду ещё',
  'Мастер — золотые руки',
  'Уютно и вовремя, спасибо',
  'Лучший салон в городе',
  'Результат превзошёл ожидания',
  'Спасибо за чай и приятную атмосферу',
  'Great service, thank you!',
];
export const MIDDLE_COMMENTS = [
  'Нормально, но пришлось подождать',
  'Неплохо, но дороговато',
  'В целом хорошо',
];
export const BAD_COMMENTS = [
  'Ждала 20 минут сверх записи',
  'Покрытие отслоилось через три дня',
  'Стрижка не такая, как просила',
  'Было шумно и холодно',
];

/** Staff accounts made for the demo, one per role (managers one per branch). */
export const STAFF = [
  {
    email: 'owner@demo.clientele.local',
    name: 'Елена Владимировна (владелец)',
    role: 'owner',
    branch: null,
  },
  { email: 'admin@demo.clientele.local', name: 'Администратор', role: 'admin', branch: null },
  {
    email: 'manager.msk@demo.clientele.local',
    name: 'Управляющая, Москва',
    role: 'manager',
    branch: 'msk',
  },
  {
    email: 'manager.ekb@demo.clientele.local',
    name: 'Управляющая, Екатеринбург',
    role: 'manager',
    branch: 'ekb',
  },
  { email: 'master@demo.clientele.local', name: 'Анна Соколова', role: 'master', branch: 'msk' },
  { email: 'analyst@demo.clientele.local', name: 'Аналитик', role: 'analyst', branch: null },
] as const;

/** What clients write to the salon through the bot's feedback. */
export const CLIENT_MESSAGES = [
  'Можно ли перенести запись на субботу утром?',
  'Подскажите, есть ли у вас подарочные сертификаты?',
  'Спасибо мастеру, очень понравилось!',
  'Будет ли акция к 8 Марта?',
  'Можно ли прийти с собакой? Она маленькая и спокойная.',
  'Оставила у вас шарф, сохраните, пожалуйста',
  'Do you have an English-speaking nail master?',
  'Хочу записаться к тому же мастеру, что и в прошлый раз',
];
