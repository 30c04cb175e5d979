/** The password change (routes/password-page.tsx), translated on the server. */
export const password = {
  ru: {
    components: {
      Password: {
        title: 'Смена пароля',
        lead: 'Задайте свой пароль: не короче {{min}} знаков и трудный для подбора, например несколько не связанных между собой слов. Остальные ваши сеансы завершатся.',
        current: 'Текущий пароль',
        next: 'Новый пароль',
        repeat: 'Новый пароль ещё раз',
        save: 'Сохранить',
        wrong: 'Текущий пароль неверен.',
        short: 'Новый пароль короче {{min}} знаков.',
        long: 'Новый пароль слишком длинный.',
        same: 'Новый пароль совпадает с текущим.',
        weak: 'Этот пароль слишком легко подобрать: в нём повторы, последовательности, частые слова или ваши имя и почта. Возьмите три-четыре не связанных между собой слова.',
        mismatch: 'Пароли не совпадают.',
      },
    },
  },
  en: {
    components: {
      Password: {
        title: 'Change your password',
        lead: 'Choose your own password: at least {{min}} characters and hard to guess, for example a few unrelated words. Your other sessions will end.',
        current: 'Current password',
        next: 'New password',
        repeat: 'New password again',
        save: 'Save',
        wrong: 'The current password is wrong.',
        short: 'The new password is shorter than {{min}} characters.',
        long: 'The new password is too long.',
        same: 'The new password is the same as the current one.',
        weak: 'This password is too easy to guess: it has repeats, sequences, common words or your name and e-mail. Take three or four unrelated words.',
        mismatch: 'The passwords do not match.',
      },
    },
  },
};
