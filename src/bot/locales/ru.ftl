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
error-generic = Что-то пошло не так. Попробуйте ещё раз чуть позже.
error-invalid = Проверьте данные: поле «{ $field }» заполнено неверно.
conversation-expired = Бот обновился, и начатый диалог пришлось прервать. Начните, пожалуйста, заново.
command-start = Начать
command-help = Справка
command-language = Язык
command-feedback = Написать салону
