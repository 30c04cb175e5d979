/**
 * Field messages shared by the panel's pages (components/page-fields.tsx): one for each problem
 * a request schema finds (request-schema.ts FIELD_ERRORS), with the bound it broke.
 */
const ru = {
  components: {
    PageForm: {
      errors: {
        required: 'Заполните поле.',
        invalid: 'Недопустимое значение.',
        tooLong: 'Не длиннее {{max}} знаков.',
        tooShort: 'Не короче {{min}} знаков.',
        notANumber: 'Введите число.',
        tooSmall: 'Не меньше {{min}}.',
        tooLarge: 'Не больше {{max}}.',
        notAllowed: 'Выберите одно из предложенных значений.',
        unknownField: 'Такого поля в форме нет.',
      },
      loadFailed: 'Страница не загрузилась — обновите её.',
      failed: 'Не получилось; подробности в журнале сервера.',
    },
  },
};

const en: typeof ru = {
  components: {
    PageForm: {
      errors: {
        required: 'Fill this in.',
        invalid: 'Not an allowed value.',
        tooLong: 'At most {{max}} characters.',
        tooShort: 'At least {{min}} characters.',
        notANumber: 'Enter a number.',
        tooSmall: 'At least {{min}}.',
        tooLarge: 'At most {{max}}.',
        notAllowed: 'Choose one of the offered values.',
        unknownField: 'The form has no such field.',
      },
      loadFailed: 'The page did not load: reload it.',
      failed: 'That did not work; the server log has the details.',
    },
  },
};

export const pageForm = { ru, en };
