/** Merging a duplicate client (components/merge-clients.tsx, actions/client-actions.ts). */
export const mergeClients = {
  ru: {
    actions: { merge: 'Объединить с другим' },
    components: {
      MergeClients: {
        lead: 'Найдите дубликат по телефону, номеру карты или имени. Эта карточка останется; визиты, баллы, купоны, друзья и согласия дубликата перейдут в неё, недостающие данные дополнятся, а дубликат будет стёрт.',
        query: 'Телефон, карта или имя',
        find: 'Найти',
        none: 'Никого не нашли.',
        choose: 'Выбрать',
        keep: 'Остаётся',
        other: 'Дубликат (будет стёрт)',
        result: 'Получится',
        warning: 'Дубликат будет стёрт безвозвратно.',
        merge: 'Объединить',
        fields: {
          name: 'Имя',
          phone: 'Телефон',
          birthday: 'День рождения',
          notes: 'Заметки',
          allergies: 'Аллергии',
          preferences: 'Предпочтения',
          tags: 'Метки',
          telegram: 'Telegram привязан',
        },
      },
    },
    messages: {
      MergeClients: {
        merged: 'Объединено. Перенесено визитов: {{n}}.',
        tooLong:
          'Заметки или аллергии вместе получаются слишком длинными — сократите их и повторите.',
        gone: 'Одной из карточек уже нет.',
        same: 'Это та же самая карточка.',
        badQuery: 'Слишком длинный запрос.',
      },
    },
  },
  en: {
    actions: { merge: 'Merge with another' },
    components: {
      MergeClients: {
        lead: "Find the duplicate by phone, card number or name. This card stays; the duplicate's visits, points, coupons, friends and consents move to it, missing details are filled in, and the duplicate is erased.",
        query: 'Phone, card or name',
        find: 'Find',
        none: 'No one found.',
        choose: 'Choose',
        keep: 'Stays',
        other: 'Duplicate (will be erased)',
        result: 'Result',
        warning: 'The duplicate will be erased for good.',
        merge: 'Merge',
        fields: {
          name: 'Name',
          phone: 'Phone',
          birthday: 'Birthday',
          notes: 'Notes',
          allergies: 'Allergies',
          preferences: 'Preferences',
          tags: 'Tags',
          telegram: 'Telegram linked',
        },
      },
    },
    messages: {
      MergeClients: {
        merged: 'Merged. Visits moved: {{n}}.',
        tooLong: 'Notes or allergies together would be too long: shorten them and try again.',
        gone: 'One of the cards is gone.',
        same: 'That is the same card.',
        badQuery: 'The search is too long.',
      },
    },
  },
};
