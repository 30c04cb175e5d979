/**
 * What a record action answers in its notice (actions/record-actions.ts, coupon-actions.ts,
 * visit-actions.ts): message keys that AdminJS's notice translates in the user's language.
 */
export const notices = {
  ru: {
    messages: {
      Notices: {
        refused: 'Нельзя.',
        notFound: 'Запись не найдена.',
        ownerOnly: 'Это может сделать для владельца только владелец.',
        cardReissued: 'Новая карта: {{number}}',
        clientErased: 'Данные клиента стёрты.',
        linkCode: 'Отправьте сотруднику: /start staff_{{code}} (действует сутки, один раз)',
        oneTimePassword:
          'Новый одноразовый пароль: {{password}} — показан один раз; при входе его нужно будет сменить.',
        retried: 'Сообщение снова в очереди.',
        notRetriable: 'Повторить можно только неотправленное сообщение с ошибкой.',
        couponRevoked: 'Купон отозван.',
        couponRevokedFromVisit:
          'Купон отозван. Он был забронирован на визит: скидка визита теперь {{after}}% (была {{before}}%).',
        couponRedeemed: 'Купон уже использован — отозвать нельзя.',
        couponAlreadyRevoked: 'Купон уже отозван.',
        visitCancelled: 'Визит отменён; клиенту сообщено.',
        visitNoShow: 'Отмечено: клиент не пришёл.',
        visitRefused: 'Нельзя: визит уже закрыт или ещё не начался.',
      },
    },
  },
  en: {
    messages: {
      Notices: {
        refused: 'Not possible.',
        notFound: 'The record is not found.',
        ownerOnly: 'Only an owner may do this for an owner.',
        cardReissued: 'New card: {{number}}',
        clientErased: "The client's data is erased.",
        linkCode: 'Send them: /start staff_{{code}} (valid for a day, once)',
        oneTimePassword:
          'New one-time password: {{password}} — shown once; it must be changed at the next login.',
        retried: 'The message is queued again.',
        notRetriable: 'Only a failed or undeliverable message can be sent again.',
        couponRevoked: 'The coupon is revoked.',
        couponRevokedFromVisit:
          "The coupon is revoked. It was held for a visit: that visit's discount is now {{after}}% (was {{before}}%).",
        couponRedeemed: 'The coupon was already used: it cannot be revoked.',
        couponAlreadyRevoked: 'The coupon is already revoked.',
        visitCancelled: 'The visit is cancelled; the client has been told.',
        visitNoShow: 'Marked as a no-show.',
        visitRefused: 'Not possible: the visit is closed or has not started yet.',
      },
    },
  },
};
