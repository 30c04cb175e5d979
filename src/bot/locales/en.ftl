start-newcomer =
    Hello! I am the salon's bot: here you can book a visit, see your visits and discount, and invite friends.
    In a moment I will ask you to register: it takes a minute.
start-returning = Welcome back, { $name }!
start-bad-link = That link did not work, but never mind: let's start the usual way.
help =
    What I can do:
    /start — start
    /language — language
    /feedback — write to the salon
    /help — this help
help-language-button = Язык / Language
language-choose = Choose a language:
language-set = Done: I speak English now.
unhandled = I did not understand that. See /help.
stale-button = This button is out of date.
feedback-ask = Write what you would like to tell the salon (up to 1000 characters). /cancel to stop.
feedback-empty = That message is empty: please write some text.
feedback-not-text = I only understand text: please write it in words.
feedback-too-long = Too long: { $length } characters, the limit is { $max }. Please shorten it.
feedback-confirm = Send this message?
feedback-yes = Yes, send
feedback-no = No
feedback-thanks = Thank you! We will read it.
feedback-cancelled = All right, cancelled.
error-generic = Something went wrong. Please try again a little later.
error-invalid = Please check: the field “{ $field }” is not valid.
conversation-expired = The bot was updated and the conversation you started had to stop. Please start again.
command-start = Start
command-help = Help
command-language = Language
command-feedback = Write to the salon
