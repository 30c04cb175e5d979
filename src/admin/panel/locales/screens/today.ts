/** Texts of the staff start page (components/today-page.tsx). */
const ru = {
  components: {
    Today: {
      title: 'Сегодня',
      loadFailed: 'Страница не загрузилась — обновите её.',
      visits: 'Визиты сегодня',
      branch: 'Филиал',
      none: 'Филиалов нет.',
      lowScores: 'Низкие оценки, не разобраны',
      toFeedback: 'К отзывам',
      birthdays: 'Дни рождения на неделе',
      date: 'Когда',
      client: 'Клиент',
      today: 'сегодня',
      noBirthdays: 'На этой неделе дней рождения нет.',
    },
  },
};

const en: typeof ru = {
  components: {
    Today: {
      title: 'Today',
      loadFailed: 'The page did not load: reload it.',
      visits: "Today's visits",
      branch: 'Branch',
      none: 'No branches.',
      lowScores: 'Low scores not handled',
      toFeedback: 'To the feedback',
      birthdays: 'Birthdays this week',
      date: 'When',
      client: 'Client',
      today: 'today',
      noBirthdays: 'No birthdays this week.',
    },
  },
};

export const today = { ru, en };
