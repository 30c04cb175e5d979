import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../domain/errors.js';
import type { StaffService } from '../domain/staff/staff-service.js';
import { panelPage } from './page-shell.js';
import { ADMIN_ROOT } from './paths.js';

export const PASSWORD_PATH = `${ADMIN_ROOT}/password`;

const TEXT = {
  ru: {
    title: 'Смена пароля',
    lead: 'Вы вошли с одноразовым паролем. Задайте свой: не короче 12 знаков.',
    current: 'Текущий пароль',
    next: 'Новый пароль',
    repeat: 'Новый пароль ещё раз',
    save: 'Сохранить',
    wrong: 'Текущий пароль неверен.',
    short: 'Новый пароль короче 12 знаков.',
    long: 'Новый пароль слишком длинный.',
    same: 'Новый пароль совпадает с текущим.',
    mismatch: 'Пароли не совпадают.',
  },
  en: {
    title: 'Change your password',
    lead: 'You logged in with a one-time password. Choose your own: at least 12 characters.',
    current: 'Current password',
    next: 'New password',
    repeat: 'New password again',
    save: 'Save',
    wrong: 'The current password is wrong.',
    short: 'The new password is shorter than 12 characters.',
    long: 'The new password is too long.',
    same: 'The new password is the same as the current one.',
    mismatch: 'The passwords do not match.',
  },
} as const;

type Texts = (typeof TEXT)[keyof typeof TEXT];

function page(t: Texts, error: string | null): string {
  // Only fixed texts go into the page: nothing typed by anyone is echoed back.
  return panelPage({
    title: t.title,
    lang: t === TEXT.en ? 'en' : 'ru',
    style: `main{max-width:420px;margin:10vh auto}label{display:block;margin:16px 0 4px;font-size:14px}
input{width:100%;padding:8px;font-size:16px;box-sizing:border-box}button{margin-top:24px}`,
    body: `<p>${t.lead}</p>${error ? `<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${PASSWORD_PATH}">
<label for="current">${t.current}</label><input id="current" name="current" type="password" autocomplete="current-password" required>
<label for="next">${t.next}</label><input id="next" name="next" type="password" autocomplete="new-password" minlength="12" required>
<label for="repeat">${t.repeat}</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="12" required>
<button type="submit">${t.save}</button></form>`,
  });
}

/**
 * The page a staff member with a one-time password is sent to until they choose their own.
 * It lives in the panel's scope, so the path guard, session and origin check apply.
 */
export function registerPasswordPage(scope: FastifyInstance, staff: StaffService): void {
  const texts = (locale: string | undefined) => (locale === 'en' ? TEXT.en : TEXT.ru);
  scope.get(PASSWORD_PATH, async (request, reply) => {
    return reply
      .type('text/html')
      .send(page(texts(request.session.get('adminUser')?.locale), null));
  });
  scope.post(PASSWORD_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!user) return reply.redirect(`${ADMIN_ROOT}/login`);
    const t = texts(user.locale);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
    if (field('next') !== field('repeat'))
      return reply.code(400).type('text/html').send(page(t, t.mismatch));
    try {
      await staff.changePassword(user.id, field('current'), field('next'), {
        type: 'staff',
        id: user.id,
        ip: request.ip,
      });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      const message =
        err.field === 'current'
          ? t.wrong
          : err.code === 'too_short'
            ? t.short
            : err.code === 'same'
              ? t.same
              : t.long;
      return reply.code(400).type('text/html').send(page(t, message));
    }
    return reply.redirect(ADMIN_ROOT);
  });
}
