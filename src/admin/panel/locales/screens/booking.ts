/** Texts of the walk-in booking page (components/booking-page.tsx). */
const ru = {
  pages: { booking: 'Записать клиента' },
  components: {
    Booking: {
      title: 'Запись клиента',
      lead: 'Визит без записи или по телефону: выберите услугу, мастера и день — покажем свободное время.',
      branch: 'Филиал',
      service: 'Услуга',
      pickService: '— выберите услугу —',
      serviceLabel: '{{name}} ({{minutes}} мин, {{price}})',
      master: 'Мастер',
      any: 'Любой свободный',
      day: 'День',
      none: 'На этот день свободного времени нет.',
      nothing:
        'Записывать пока некуда: нужны филиал, услуга и мастер с часами работы (раздел «Каталог»).',
      times: 'Свободное время',
      findClient: 'Клиент: телефон или имя',
      findHint: '+7 916 … или фамилия',
      find: 'Найти',
      nobody: 'Никого не нашли — запишите нового клиента ниже.',
      chosen: 'Записываем: {{name}}',
      phone: 'Телефон нового клиента',
      name: 'Имя нового клиента',
      book: 'Записать',
      errors: {
        taken: 'Это время только что заняли — выберите другое.',
        pickTime: 'Выберите время.',
        needClient: 'Найдите клиента или укажите телефон нового.',
        needName: 'Клиента с этим телефоном нет в базе — укажите имя.',
        noClient: 'Этого клиента уже нет — найдите снова.',
        badPhone: 'Телефон не распознан.',
        badName: 'Имя не подходит (пустое или слишком длинное).',
        outside: 'Записывать можно только в свой филиал.',
        invalid: 'Недопустимое значение — обновите страницу.',
      },
    },
  },
};

const en: typeof ru = {
  pages: { booking: 'Book a client' },
  components: {
    Booking: {
      title: 'Book a client',
      lead: 'A walk-in or a phone call: choose the service, master and day to see the free times.',
      branch: 'Branch',
      service: 'Service',
      pickService: '— choose a service —',
      serviceLabel: '{{name}} ({{minutes}} min, {{price}})',
      master: 'Master',
      any: 'Any free master',
      day: 'Day',
      none: 'No free time on this day.',
      nothing:
        'Nothing to book yet: add a branch, a service and a master with working hours (Catalogue).',
      times: 'Free times',
      findClient: 'Client: phone or name',
      findHint: '+7 916 … or a surname',
      find: 'Find',
      nobody: 'Nobody found: book a new client below.',
      chosen: 'Booking for: {{name}}',
      phone: "New client's phone",
      name: "New client's name",
      book: 'Book',
      errors: {
        taken: 'That time was just taken: choose another.',
        pickTime: 'Choose a time.',
        needClient: "Find the client or give a new client's phone.",
        needName: 'No client with this phone yet: give a name.',
        noClient: 'This client is no longer there: search again.',
        badPhone: 'The phone number is not valid.',
        badName: 'The name does not fit (empty or too long).',
        outside: 'You can book only into your own branch.',
        invalid: 'Not an allowed value: reload the page.',
      },
    },
  },
};

export const booking = { ru, en };
