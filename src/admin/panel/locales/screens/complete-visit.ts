/** "Visit done" with the amount and points (components/complete-visit.tsx, actions/visit-actions.ts). */
export const completeVisit = {
  ru: {
    actions: { complete: 'Состоялся: сумма и баллы' },
    components: {
      CompleteVisit: {
        promised: 'Обещано клиенту при записи',
        price: 'Цена',
        discount: 'Скидка',
        coupon: 'Купон',
        none: 'нет',
        due: 'К оплате',
        balance: 'Баллов у клиента',
        spendable: 'Можно списать сейчас',
        amount: 'Оплачено деньгами',
        points: 'Списать баллов',
        amountHint: 'Пусто — ровно «к оплате» минус списанные баллы.',
        save: 'Отметить состоявшимся',
      },
    },
    messages: {
      CompleteVisit: {
        completed: 'Визит отмечен как состоявшийся.',
        badAmount: 'Сумма: число от 0 до 10 000 000, например 1900 или 1900,50.',
        badPoints: 'Баллы: целое число от 0.',
        tooManyPoints: 'Можно списать не больше {{n}} баллов.',
        notStarted: 'Визит ещё не начался — отметить его можно после начала.',
        closed: 'Визит уже закрыт.',
        failed: 'Не получилось — попробуйте ещё раз.',
      },
    },
  },
  en: {
    actions: { complete: 'Done: amount and points' },
    components: {
      CompleteVisit: {
        promised: 'Promised to the client at booking',
        price: 'Price',
        discount: 'Discount',
        coupon: 'Coupon',
        none: 'none',
        due: 'To pay',
        balance: "Client's points",
        spendable: 'May be spent now',
        amount: 'Paid in money',
        points: 'Points to spend',
        amountHint: 'Empty: exactly "to pay" less the points spent.',
        save: 'Mark as done',
      },
    },
    messages: {
      CompleteVisit: {
        completed: 'The visit is marked done.',
        badAmount: 'Amount: a number from 0 to 10,000,000, e.g. 1900 or 1900.50.',
        badPoints: 'Points: a whole number from 0.',
        tooManyPoints: 'At most {{n}} points can be spent.',
        notStarted: 'The visit has not begun yet: mark it once it has.',
        closed: 'The visit is already closed.',
        failed: 'That did not work: try again.',
      },
    },
  },
};
