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
conversation-restarted = The bot was updated, so let's start this again.
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
feedback-reply =
    The salon replied to your feedback:
    { $text }
error-generic = Something went wrong. Please try again a little later.
error-invalid = Please check: the field “{ $field }” is not valid.
conversation-expired = The bot was updated and the conversation you started had to stop. Please start again.
command-start = Start
command-help = Help
command-language = Language
command-feedback = Write to the salon
consent-personal-data =
    Consent to the processing of personal data (version of 24 November 2026).
    The salon keeps your name, phone and, if you give it, your birthday — to book you with masters, remind you of visits and work out your discount. The data is stored encrypted and never passed on. You can withdraw consent at any time under “Profile”.
consent-agree = I agree
consent-decline = I do not agree
consent-health-data = May masters see your allergies and contraindications, if you or the salon record them? (version of 24 November 2026, optional)
consent-marketing = Shall we send you greetings, discounts and salon news? You can unsubscribe in one tap. (version of 24 November 2026, optional)
reg-yes = Yes
reg-no = No
reg-back = ← Back
reg-cancel = Cancel
reg-skip = Skip
reg-use-buttons = Please answer with the buttons under the message.
reg-phone = Share your phone number with the button below, so we can find your past visits.
reg-phone-or-type = Share your number with the button below, or type it.
reg-share-phone = 📱 Share my number
reg-phone-use-button = Tap the “Share my number” button at the bottom of the screen.
reg-phone-not-yours = That is not your contact. Please share your own number with the button below.
reg-phone-invalid = I could not read that number. Please check it.
reg-phone-ok = Thank you, got your number.
reg-phone-taken = This number is already linked to another Telegram account. Please call the salon and we will help.
reg-name = What should we call you? Type your name.
reg-name-use = Yes, “{ $name }”
reg-name-text = Please type your name as text.
reg-name-invalid = A name needs letters.
reg-name-too-long = That name is too long: { $max } characters at most.
reg-birthday = When is your birthday? Type DD.MM or DD.MM.YYYY — we will send a greeting and a gift.
reg-birthday-invalid = There is no such date. Type, for example, 14.03 or 14.03.1990.
reg-birthday-future = That date has not come yet. Please check the year.
reg-source = How did you hear about us?
reg-cancelled = Registration cancelled. To start again: /start.
reg-done = Done, { $name }! You are registered.
reg-done-linked = Done, { $name }! We found you in the salon's client base and linked it to Telegram.
menu-book = 📅 Book
menu-visits = 🗓 My visits
menu-friends = 🎁 Discount and friends
menu-card = 💳 Card
menu-profile = 👤 Profile
menu-help = ❓ Help
menu-register-first = Please register first — it takes a minute.
visits-none = You have no bookings yet.
friends-summary =
    Your discount: { $base }%.
    Your discount for friends: { $discount }%.
    Friends who came: { $qualified }, waiting for their first visit: { $pending }.
    { $rules }. A friend counts after their first paid visit.
friends-rule = { $friends } → { $percent }%
loyalty-level = Level { $level }: { $percent }% (spent { $spend } and { $visits } visits in the last { $days } days).
loyalty-next = Next level, { $level }: spend { $spend } or make { $visits } visits.
loyalty-points = Points: { $points } (1 point = 1 ₽; up to { $share }% of a bill).
loyalty-coupons = Your coupons:
loyalty-coupon = • { $code }: −{ $percent }%{ $categories }, until { $until }
loyalty-combine = The larger of the friends and level discounts applies, plus a coupon, up to { $cap }% in all.
friends-link = Your personal link for friends: { $link }
friends-share = Share the link
friends-share-text = Book at our salon with my link!
referral-friend-joined = A friend registered with your link. When they come for their first visit, your discount grows.
referral-friend-qualified = Your friend came for their first visit! Friends counted: { $count }, your discount is now { $discount }%.
profile =
    Name: { $name }
    Phone: { $phone }
    Birthday: { $birthday }
    Language: English
    Newsletters: { $marketing }
profile-none = not given
profile-on = on
profile-off = off
profile-edit-name = Change name
profile-edit-birthday = Change birthday
profile-language = Language
profile-marketing-off = Unsubscribe from newsletters
profile-marketing-on = Subscribe to newsletters
profile-marketing-now-off = Done: no more newsletters.
profile-marketing-now-on = Done: we will send greetings and discounts.
profile-my-data = My data
profile-delete = Delete my data
profile-my-data-caption = Everything the salon keeps about you.
profile-saved = Saved.
profile-delete-confirm = Delete all your data? Your name, phone, birthday, notes and Telegram link will be erased for good. Only anonymous visit records stay, for the salon's statistics.
profile-delete-yes = Yes, delete
profile-delete-no = No
profile-deleted = Your data has been deleted. We kept only anonymous visit statistics (no name, no phone) that the salon needs for its records. You are welcome back any time: /start.
profile-ask-name = Type your new name.
profile-ask-birthday = Type the date: DD.MM or DD.MM.YYYY.
staff-linked = { $name }, your Telegram is now linked to your staff account. Your bookings will come here.
staff-link-unknown = That link code is unknown. Please ask the salon for a new one.
staff-link-used = That link code has already been used. Please ask the salon for a new one.
staff-link-expired = That link code has expired. Please ask the salon for a new one.
visits-title = Your bookings:
visits-line = • { $when } — { $service } with { $master } ({ $branch })
card-caption = Your client card: { $number }. Show it at reception — the scanner reads the code.
card-reissued = Your new card: { $number }. The old one no longer works.
card-lost = I lost my card
staff-welcome = Hello, { $name }! You are salon staff: your bookings and daily agenda will come here.
master-visit-new = New booking: { $when }, { $service }.{ $returning ->
        [yes] {" "}Client: { $client }, returning ({ $visits } visits before).
        [no] {" "}Client: { $client }, new.
       *[unknown] {""}
    }
command-agenda = Today's visits (for masters)
book-nothing = Online booking is not open yet: no services are available. Please call the salon.
book-back = ← Back
book-cancel = Cancel
book-use-buttons = Please choose with the buttons above, or press Cancel.
book-branch = Which salon?
book-category = What would you like?
book-service = Choose a service:
book-service-button = { $name } · { $price } · { $minutes } min
book-any-master = Any master
book-master = Choose a master, or any free one:
book-no-days = Sorry, there is no free time in the coming weeks. Try another master or service.
book-earlier = ‹ Earlier
book-later = Later ›
book-day = Choose a day (only days with free time are shown):
book-day-gone = That day is no longer available. Please choose another.
book-day-full = That day has just filled up. Please choose another.
book-time = Free times on { $day }:
book-time-gone = That time is no longer free.
book-taken = Sorry, this time was just taken by someone else. Here are the free times now.
book-confirm =
    Please check your booking:
    { $service }
    Master: { $master }
    When: { $when }
    Price: { $price }
book-confirm-discount =
    { $discount }
    To pay: { $total }
book-any-master-chosen = { $master } (any master)
book-move-confirm =
    Move your visit?
    { $service }
    From: { $from }
    To: { $when }
book-yes = ✅ Book
book-move-yes = ✅ Move
book-done =
    Booked! { $service } with { $master }, { $when }.
    Address: { $address }
    We will remind you before the visit.
book-moved =
    Moved! { $service } with { $master }, now { $when }.
    Address: { $address }
book-ics = Add it to your calendar.
book-cancelled = Booking cancelled. You can start again with 📅 Book.
book-move-cancelled = Nothing changed: your visit stays as it was.
visit-cutoff = It is too late to change this visit online (less than { $hours } h before it). Please call the salon.
visit-cutoff-call = It is too late to change this visit online (less than { $hours } h before it). Please call the salon: { $phone }.
visit-closed = This visit is already closed.
visit-not-yours = This is not your visit.
visit-not-started = This visit has not started yet; mark it after it begins.
visit-not-found = This visit was not found.
visits-move = Move { $when }
visits-cancel = Cancel { $when }
visits-none-upcoming = You have no upcoming bookings.
visits-past-title = Past visits:
visit-status-booked = booked
visit-status-confirmed = confirmed
visit-status-done = done
visit-status-cancelled = cancelled
visit-status-no_show = missed
visits-cancel-ask = Cancel your visit { $when }, { $service }?
visits-cancel-yes = Yes, cancel
visits-cancel-keep = No, keep it
visits-cancelled = Your visit { $when } is cancelled.
visits-kept = Good, your visit stays.
reminder-confirmed = Thank you! See you { $when }.
reminder = Reminder: { $service } with { $master }, { $when }. Address: { $address }. Will you come?
reminder-call-to-cancel = Reminder: { $service } with { $master }, { $when }. Address: { $address }. If you cannot come, please call { $phone }.
reminder-confirm = ✅ I'll come
reminder-cancel = Cancel the visit
visit-cancelled-by-salon = The salon has cancelled your visit { $when } ({ $service }). Questions: { $phone }.
rate-ask = How was your visit — { $service } with { $master }? Rate it from 1 to 5.
rate-thanks = Thank you for the rating! Would you like to add a comment? Write it, or press Skip.
rate-thanks-low = We are sorry it was not perfect. What went wrong? Write it and the manager will read it, or press Skip.
rate-skip = Skip
rate-done = Thank you!
rate-comment-text = Please write your comment as text, or press Skip.
rate-comment-empty = The comment is empty: please write some text, or press Skip.
rate-comment-too-long = That is { $length } characters; the limit is { $max }. Please shorten it.
rate-alert =
    ⚠️ Low rating { $score }/5
    Client: { $client }, { $phone }
    { $service } with { $master }, { $when }
rate-alert-comment =
    ⚠️ Comment to the rating { $score }/5 from { $client } ({ $phone }):
    { $comment }
master-visit-moved = Visit moved: { $service }, from { $from } to { $when }.
master-visit-cancelled = Visit cancelled: { $when }, { $service }.
master-only = This command is for masters whose Telegram is linked to the salon.
master-done-ask =
    { $when }, { $service }
    Price { $price }, discount { $discount }% — to pay { $due }.
    Confirm the amount paid:
master-done-confirm = ✅ Paid { $due }
master-done-other = ✏️ Another amount
master-amount-ask = How much did the client pay? Send a number, e.g. 1500 or 1499.50. /cancel to stop.
master-amount-invalid = Please send the amount as a number, e.g. 1500 or 1499.50.
master-amount-cancelled = Nothing changed.
master-done = Marked done: { $amount } paid. Thank you!
master-no-show = Marked as a no-show.
agenda-title = Your visits, { $day }:
agenda-empty = No visits on { $day }.
agenda-line = { $time } — { $client }, { $service } ({ $amount })
agenda-no-client = walk-in
agenda-notes = Notes: { $notes }
agenda-allergies = ⚠️ Allergies: { $allergies }
agenda-done = ✅ { $time } done
agenda-no-show = 🚫 { $time } no-show
book-discount = Your discount: { $total }%
book-discount-coupon = Your discount: { $total }% (with coupon { $code }, { $percent }%)
coupon-gift = The salon gives you a coupon { $code }: −{ $percent }%{ $categories }, valid until { $until }. It applies by itself when you book.
level-up = Congratulations, you have reached the { $level } level: your discount is now at least { $percent }%.
master-done-points = 🎁 { $points } in points, { $due } in money
master-done-with-points = Marked done: { $amount } paid and { $points } points. Thank you!
staff-login-attack = Someone keeps failing to log in to your panel account { $email }: { $count } failed attempts in the last hour, the latest at { $when }. Their attempts are being slowed down; you can still log in. If it was not you, make sure your password is long and used nowhere else.
staff-login-attack-other = Someone keeps failing to log in to the panel account { $email }: { $count } failed attempts in the last hour, the latest at { $when }. Their attempts are being slowed down.
