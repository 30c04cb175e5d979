/** Texts of the greeting texts page (components/templates-page.tsx). */
const ru = {
  pages: { templates: 'Тексты поздравлений' },
  components: {
    Templates: {
      title: 'Тексты поздравлений',
      lead: 'Поздравления с днём рождения, праздниками и письма «давно не виделись», до {{max}} знаков. В тексте можно использовать:',
      birthday: 'День рождения',
      winback: 'Возврат клиентов',
      holiday: 'Праздник: {{name}}',
      default: 'текст по умолчанию',
      text: 'Текст',
      save: 'Сохранить',
      preview: 'Предпросмотр',
      reset: 'Вернуть текст по умолчанию',
      test: 'Отправить тест себе',
      previewTitle: 'Так увидит клиент (пример):',
      notice: {
        saved: 'Сохранено.',
        reset: 'Снова действует текст по умолчанию.',
        sent: 'Тест поставлен в очередь: придёт в ваш Telegram в течение минуты.',
        again: 'Тест уже отправлен — подождите несколько секунд.',
      },
      errors: {
        empty: 'Текст пустой.',
        tooLong: 'Текст слишком длинный: {{n}} символов, можно не больше {{max}}.',
        unknown: 'Неизвестные подстановки: {{list}}. Можно: {{allowed}}.',
        notLinked:
          'Ваш Telegram не привязан к учётной записи. Откройте «Сотрудники» → свою запись → «Код привязки» и отправьте боту /start staff_<код>.',
        badRequest: 'Такого текста нет — обновите страницу.',
        failed: 'Не получилось; подробности в журнале сервера.',
      },
    },
  },
};

const en: typeof ru = {
  pages: { templates: 'Greeting texts' },
  components: {
    Templates: {
      title: 'Greeting texts',
      lead: 'Birthday and holiday greetings and win-back messages, up to {{max}} characters. A text may use:',
      birthday: 'Birthday',
      winback: 'Win-back',
      holiday: 'Holiday: {{name}}',
      default: 'default text',
      text: 'Text',
      save: 'Save',
      preview: 'Preview',
      reset: 'Back to the default text',
      test: 'Send a test to myself',
      previewTitle: 'What a client sees (example):',
      notice: {
        saved: 'Saved.',
        reset: 'The default text applies again.',
        sent: 'The test is queued: it reaches your Telegram within a minute.',
        again: 'The test was just sent: wait a few seconds.',
      },
      errors: {
        empty: 'The text is empty.',
        tooLong: 'The text is too long: {{n}} characters, at most {{max}}.',
        unknown: 'Unknown placeholders: {{list}}. Allowed: {{allowed}}.',
        notLinked:
          'Your Telegram is not linked to your account. Open Staff → your record → Link code and send the bot /start staff_<code>.',
        badRequest: 'There is no such text: reload the page.',
        failed: 'That did not work; the server log has the details.',
      },
    },
  },
};

export const templates = { ru, en };
