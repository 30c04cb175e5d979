start-newcomer =
    Здравствуйте! Я бот салона: здесь можно записаться к мастеру, посмотреть свои визиты и скидку, пригласить друзей.
    Скоро я попрошу вас зарегистрироваться: это займёт минуту.
start-returning = С возвращением, { $name }!
start-bad-link = Эта ссылка не подошла, но ничего страшного: начнём обычным образом.
help =
    Что я умею:
    /start — начать
    /language — язык
    /feedback — написать салону
    /help — эта справка
help-language-button = Язык / Language
language-choose = Выберите язык:
language-set = Готово: теперь я говорю по-русски.
unhandled = Я не понял сообщение. Посмотрите /help.
conversation-restarted = Бот обновился, поэтому начнём заново.
stale-button = Эта кнопка устарела.
feedback-ask = Напишите, что вы хотели бы сказать салону (до 1000 знаков). /cancel — отмена.
feedback-empty = Пустое сообщение: напишите текст, пожалуйста.
feedback-not-text = Я понимаю только текст: напишите словами, пожалуйста.
feedback-too-long = Слишком длинно: { $length } знаков, можно до { $max }. Сократите, пожалуйста.
feedback-confirm = Отправить это сообщение?
feedback-yes = Да, отправить
feedback-no = Нет
feedback-thanks = Спасибо! Мы прочитаем.
feedback-cancelled = Хорошо, отменено.
feedback-reply =
    Салон ответил на ваш отзыв:
    { $text }
error-generic = Что-то пошло не так. Попробуйте ещё раз чуть позже.
error-invalid = Проверьте данные: поле «{ $field }» заполнено неверно.
conversation-expired = Бот обновился, и начатый диалог пришлось прервать. Начните, пожалуйста, заново.
command-start = Начать
command-help = Справка
command-language = Язык
command-feedback = Написать салону
consent-personal-data =
    Согласие на обработку персональных данных (редакция от 24.11.2026).
    Салон хранит ваши имя, телефон и, если вы укажете, день рождения — чтобы записывать вас к мастерам, напоминать о визитах и считать скидку. Данные хранятся в зашифрованном виде и не передаются третьим лицам. Согласие можно отозвать в любой момент в разделе «Профиль».
consent-agree = Согласен(на)
consent-decline = Не согласен(на)
consent-health-data = Можно ли мастерам видеть ваши аллергии и противопоказания, если вы или салон их запишете? (редакция от 24.11.2026, необязательно)
consent-marketing = Присылать ли вам поздравления, скидки и новости салона? Отписаться можно в один клик. (редакция от 24.11.2026, необязательно)
reg-yes = Да
reg-no = Нет
reg-back = ← Назад
reg-cancel = Отмена
reg-skip = Пропустить
reg-use-buttons = Пожалуйста, ответьте кнопками под сообщением.
reg-phone = Поделитесь номером телефона кнопкой ниже — так мы найдём ваши прошлые визиты.
reg-phone-or-type = Поделитесь номером кнопкой ниже или напишите его.
reg-share-phone = 📱 Поделиться номером
reg-phone-use-button = Нажмите кнопку «Поделиться номером» внизу экрана.
reg-phone-not-yours = Это не ваш контакт. Поделитесь, пожалуйста, своим номером кнопкой ниже.
reg-phone-invalid = Не получилось распознать номер. Проверьте его, пожалуйста.
reg-phone-ok = Спасибо, номер получен.
reg-phone-taken = Этот номер уже привязан к другому аккаунту Telegram. Позвоните, пожалуйста, в салон — мы поможем.
reg-name = Как к вам обращаться? Напишите имя.
reg-name-use = Да, «{ $name }»
reg-name-text = Напишите имя текстом.
reg-name-invalid = Имя должно содержать буквы.
reg-name-too-long = Слишком длинное имя: не больше { $max } знаков.
reg-birthday = Когда у вас день рождения? Напишите ДД.ММ или ДД.ММ.ГГГГ — пришлём поздравление и подарок.
reg-birthday-invalid = Такой даты нет. Напишите, например, 14.03 или 14.03.1990.
reg-birthday-future = Эта дата ещё не наступила. Проверьте год.
reg-source = Как вы о нас узнали?
reg-cancelled = Регистрация отменена. Начать заново — /start.
reg-done = Готово, { $name }! Вы зарегистрированы.
reg-done-linked = Готово, { $name }! Мы нашли вас в базе салона и связали с Telegram.
menu-book = 📅 Записаться
menu-visits = 🗓 Мои визиты
menu-friends = 🎁 Скидка и друзья
menu-card = 💳 Карта
menu-profile = 👤 Профиль
menu-help = ❓ Помощь
menu-register-first = Сначала зарегистрируйтесь — это займёт минуту.
visits-none = У вас пока нет записей.
friends-summary =
    Ваша скидка: { $base }%.
    Ваша скидка за друзей: { $discount }%.
    Друзей пришло: { $qualified }, ждут первого визита: { $pending }.
    { $rules }. Друг засчитывается после первого оплаченного визита.
friends-rule = { $friends } → { $percent }%
loyalty-level = Уровень { $level }: { $percent }% (за последние { $days } дн. потрачено { $spend } ₽, визитов: { $visits }).
loyalty-next = Следующий уровень, { $level }: потратить { $spend } ₽ или сделать { $visits } визитов.
loyalty-points = Баллы: { $points } (1 балл = 1 ₽; до { $share }% счёта).
loyalty-coupons = Ваши купоны:
loyalty-coupon = • { $code }: −{ $percent }%{ $categories }, до { $until }
loyalty-combine = Действует бо́льшая из скидок — за друзей или за уровень — плюс купон, всего не больше { $cap }%.
friends-link = Ваша личная ссылка для друзей: { $link }
friends-share = Поделиться ссылкой
friends-share-text = Записывайся в наш салон по моей ссылке!
referral-friend-joined = По вашей ссылке зарегистрировался друг. Когда он придёт на первый визит, ваша скидка вырастет.
referral-friend-qualified = Ваш друг пришёл на первый визит! Друзей засчитано: { $count }, ваша скидка теперь { $discount }%.
profile =
    Имя: { $name }
    Телефон: { $phone }
    День рождения: { $birthday }
    Язык: Русский
    Рассылки: { $marketing }
profile-none = не указан
profile-on = включены
profile-off = выключены
profile-edit-name = Изменить имя
profile-edit-birthday = Изменить день рождения
profile-language = Язык
profile-marketing-off = Отписаться от рассылок
profile-marketing-on = Подписаться на рассылки
profile-marketing-now-off = Готово: рассылок больше не будет.
profile-marketing-now-on = Готово: будем присылать поздравления и скидки.
profile-my-data = Мои данные
profile-delete = Удалить мои данные
profile-my-data-caption = Всё, что салон хранит о вас.
profile-saved = Сохранено.
profile-delete-confirm = Удалить все ваши данные? Имя, телефон, день рождения, заметки и связь с Telegram будут стёрты без возможности восстановления. Останутся только обезличенные сведения о визитах — для статистики салона.
profile-delete-yes = Да, удалить
profile-delete-no = Нет
profile-deleted = Ваши данные удалены. Мы сохранили только обезличенную статистику визитов (без имени и телефона) — она нужна салону для учёта. Вернуться можно в любой момент: /start.
profile-ask-name = Напишите новое имя.
profile-ask-birthday = Напишите дату: ДД.ММ или ДД.ММ.ГГГГ.
staff-linked = { $name }, ваш Telegram привязан к учётной записи сотрудника. Сюда будут приходить ваши записи.
staff-link-unknown = Код привязки не найден. Попросите в салоне новый.
staff-link-used = Этот код привязки уже использован. Попросите в салоне новый.
staff-link-expired = Срок действия кода привязки истёк. Попросите в салоне новый.
visits-title = Ваши записи:
visits-line = • { $when } — { $service }, мастер { $master } ({ $branch })
card-caption = Ваша карта клиента: { $number }. Покажите её на ресепшене — код считает сканер.
card-reissued = Новая карта: { $number }. Старая больше не действует.
card-lost = Я потерял(а) карту
staff-welcome = Здравствуйте, { $name }! Вы сотрудник салона: сюда будут приходить ваши записи и расписание на день.
master-visit-new = Новая запись: { $when }, { $service }.{ $returning ->
        [yes] {" "}Клиент: { $client }, постоянный (визитов: { $visits }).
        [no] {" "}Клиент: { $client }, новый.
       *[unknown] {""}
    }
command-agenda = Визиты на сегодня (для мастеров)
book-nothing = Онлайн-запись пока не открыта: нет доступных услуг. Позвоните, пожалуйста, в салон.
book-back = ← Назад
book-cancel = Отмена
book-use-buttons = Выберите, пожалуйста, кнопкой выше или нажмите «Отмена».
book-branch = В какой салон?
book-category = Что вас интересует?
book-service = Выберите услугу:
book-service-button = { $name } · { $price } ₽ · { $minutes } мин
book-any-master = Любой мастер
book-master = Выберите мастера или любого свободного:
book-no-days = К сожалению, в ближайшие недели свободного времени нет. Попробуйте другого мастера или услугу.
book-earlier = ‹ Раньше
book-later = Позже ›
book-day = Выберите день (показаны только дни со свободным временем):
book-day-gone = Этот день уже недоступен. Выберите, пожалуйста, другой.
book-day-full = На этот день только что всё заняли. Выберите, пожалуйста, другой.
book-time = Свободное время, { $day }:
book-time-gone = Это время уже занято.
book-taken = Извините, это время только что занял кто-то другой. Вот свободное время сейчас.
book-confirm =
    Проверьте запись:
    { $service }
    Мастер: { $master }
    Когда: { $when }
    Цена: { $price } ₽
book-confirm-discount =
    { $discount }
    К оплате: { $total } ₽
book-any-master-chosen = { $master } (любой мастер)
book-move-confirm =
    Перенести визит?
    { $service }
    Было: { $from }
    Станет: { $when }
book-yes = ✅ Записаться
book-move-yes = ✅ Перенести
book-done =
    Вы записаны! { $service }, мастер { $master }, { $when }.
    Адрес: { $address }
    Мы напомним перед визитом.
book-moved =
    Перенесено! { $service }, мастер { $master }, теперь { $when }.
    Адрес: { $address }
book-ics = Добавьте визит в календарь.
book-cancelled = Запись отменена. Начать заново — кнопка 📅 Записаться.
book-move-cancelled = Ничего не изменилось: визит остаётся как был.
visit-cutoff = Изменить этот визит онлайн уже нельзя (до него меньше { $hours } ч). Позвоните, пожалуйста, в салон.
visit-cutoff-call = Изменить этот визит онлайн уже нельзя (до него меньше { $hours } ч). Позвоните, пожалуйста, в салон: { $phone }.
visit-closed = Этот визит уже закрыт.
visit-not-yours = Это не ваш визит.
visit-not-started = Визит ещё не начался: отметьте его после начала.
visit-not-found = Визит не найден.
visits-move = Перенести { $when }
visits-cancel = Отменить { $when }
visits-none-upcoming = Предстоящих записей нет.
visits-past-title = Прошлые визиты:
visit-status-booked = записан
visit-status-confirmed = подтверждён
visit-status-done = состоялся
visit-status-cancelled = отменён
visit-status-no_show = пропущен
visits-cancel-ask = Отменить визит { $when }, { $service }?
visits-cancel-yes = Да, отменить
visits-cancel-keep = Нет, оставить
visits-cancelled = Визит { $when } отменён.
visits-kept = Хорошо, визит остаётся.
reminder-confirmed = Спасибо! Ждём вас { $when }.
reminder = Напоминание: { $service }, мастер { $master }, { $when }. Адрес: { $address }. Вы придёте?
reminder-call-to-cancel = Напоминание: { $service }, мастер { $master }, { $when }. Адрес: { $address }. Если не сможете прийти, позвоните, пожалуйста: { $phone }.
reminder-confirm = ✅ Приду
reminder-cancel = Отменить визит
visit-cancelled-by-salon = Салон отменил ваш визит { $when } ({ $service }). Вопросы: { $phone }.
rate-ask = Как прошёл визит — { $service }, мастер { $master }? Оцените от 1 до 5.
rate-thanks = Спасибо за оценку! Хотите добавить комментарий? Напишите его или нажмите «Пропустить».
rate-thanks-low = Жаль, что не всё было хорошо. Что пошло не так? Напишите — управляющий прочитает, или нажмите «Пропустить».
rate-skip = Пропустить
rate-done = Спасибо!
rate-comment-text = Напишите комментарий текстом или нажмите «Пропустить».
rate-comment-empty = Комментарий пустой: напишите текст или нажмите «Пропустить».
rate-comment-too-long = Здесь { $length } символов, а можно не больше { $max }. Сократите, пожалуйста.
rate-alert =
    ⚠️ Низкая оценка { $score }/5
    Клиент: { $client }, { $phone }
    { $service }, мастер { $master }, { $when }
rate-alert-comment =
    ⚠️ Комментарий к оценке { $score }/5 от { $client } ({ $phone }):
    { $comment }
master-visit-moved = Визит перенесён: { $service }, с { $from } на { $when }.
master-visit-cancelled = Визит отменён: { $when }, { $service }.
master-only = Эта команда — для мастеров, чей Telegram привязан к салону.
master-done-ask =
    { $when }, { $service }
    Цена { $price } ₽, скидка { $discount }% — к оплате { $due } ₽.
    Подтвердите оплаченную сумму:
master-done-confirm = ✅ Оплачено { $due } ₽
master-done-other = ✏️ Другая сумма
master-amount-ask = Сколько заплатил клиент? Пришлите число, например 1500 или 1499,50. /cancel — отмена.
master-amount-invalid = Пришлите сумму числом, например 1500 или 1499,50.
master-amount-cancelled = Ничего не изменилось.
master-done = Отмечено: оплачено { $amount } ₽. Спасибо!
master-no-show = Отмечено: клиент не пришёл.
agenda-title = Ваши визиты, { $day }:
agenda-empty = На { $day } визитов нет.
agenda-line = { $time } — { $client }, { $service } ({ $amount } ₽)
agenda-no-client = без записи
agenda-notes = Заметки: { $notes }
agenda-allergies = ⚠️ Аллергии: { $allergies }
agenda-done = ✅ { $time } готово
agenda-no-show = 🚫 { $time } не пришёл
book-discount = Ваша скидка: { $total }%
book-discount-coupon = Ваша скидка: { $total }% (с купоном { $code }, { $percent }%)
coupon-gift = Салон дарит вам купон { $code }: −{ $percent }%{ $categories }, действует до { $until }. Скидка применится сама при записи.
level-up = Поздравляем, у вас уровень { $level }: ваша скидка теперь не меньше { $percent }%.
master-done-points = 🎁 { $points } баллами, { $due } ₽ деньгами
master-done-with-points = Отмечено: оплачено { $amount } ₽ и { $points } баллов. Спасибо!
staff-login-attack = Кто-то раз за разом неудачно входит в вашу учётную запись панели { $email }: { $count } неудачных попыток за последний час, последняя в { $when }. Эти попытки замедлены, вы по-прежнему можете войти. Если это были не вы, проверьте, что ваш пароль длинный и нигде больше не используется.
staff-login-attack-other = Кто-то раз за разом неудачно входит в учётную запись панели { $email }: { $count } неудачных попыток за последний час, последняя в { $when }. Эти попытки замедлены.
