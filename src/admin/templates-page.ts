import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Crypto } from '../crypto/crypto.js';
import type { Database } from '../db/schema.js';
import {
  listTemplates,
  MAX_TEMPLATE,
  PLACEHOLDERS,
  TemplateService,
  unknownPlaceholders,
} from '../domain/campaigns/templates.js';
import {
  previewTemplate,
  sendTestGreeting,
  TelegramNotLinkedError,
} from '../domain/campaigns/test-greeting.js';
import { InvalidInputError } from '../domain/errors.js';
import { isPanelUser, type PanelUser } from './access.js';
import { esc, panelPage } from './page-shell.js';
import { ADMIN_ROOT } from './paths.js';

export const TEMPLATES_PATH = `${ADMIN_ROOT}/templates`;
/** Typed text shown back after a refusal is cut here; the limit itself is far lower. */
const ECHO_LIMIT = 20_000;

/** Who edits greeting texts. */
export function canEditTemplates(user: unknown): user is PanelUser {
  return isPanelUser(user) && ['owner', 'admin'].includes(user.role);
}

const TEXT = {
  ru: {
    title: 'Тексты поздравлений',
    lead: 'Поздравления с днём рождения, праздниками и письма «давно не виделись». В тексте можно использовать:',
    birthday: 'День рождения',
    winback: 'Возврат клиентов',
    holiday: 'Праздник',
    default: 'текст по умолчанию',
    save: 'Сохранить',
    preview: 'Предпросмотр',
    test: 'Отправить тест себе',
    saved: 'Сохранено.',
    previewTitle: 'Так увидит клиент (пример):',
    sent: 'Тест поставлен в очередь: придёт в ваш Telegram в течение минуты.',
    again: 'Тест уже отправлен — подождите несколько секунд.',
    empty: 'Текст пустой.',
    tooLong: (n: number) =>
      `Текст слишком длинный: ${n} символов, можно не больше ${MAX_TEMPLATE}.`,
    unknown: (list: string) =>
      `Неизвестные подстановки: ${list}. Можно: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}.`,
    notLinked:
      'Ваш Telegram не привязан к учётной записи. Откройте «Сотрудники» → свою запись → «Код привязки» и отправьте боту /start staff_<код>.',
    badRequest: 'Такого текста нет — обновите страницу.',
    back: '← В панель',
  },
  en: {
    title: 'Greeting texts',
    lead: 'Birthday and holiday greetings and win-back messages. A text may use:',
    birthday: 'Birthday',
    winback: 'Win-back',
    holiday: 'Holiday',
    default: 'default text',
    save: 'Save',
    preview: 'Preview',
    test: 'Send a test to myself',
    saved: 'Saved.',
    previewTitle: 'What a client sees (example):',
    sent: 'The test is queued: it reaches your Telegram within a minute.',
    again: 'The test was just sent: wait a few seconds.',
    empty: 'The text is empty.',
    tooLong: (n: number) => `The text is too long: ${n} characters, at most ${MAX_TEMPLATE}.`,
    unknown: (list: string) =>
      `Unknown placeholders: ${list}. Allowed: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}.`,
    notLinked:
      'Your Telegram is not linked to your account. Open Staff → your record → Link code and send the bot /start staff_<code>.',
    badRequest: 'There is no such text: reload the page.',
    back: '← To the panel',
  },
};
type Texts = (typeof TEXT)['en'];

/** What the last post did to one of the texts: shown beside that text only. */
interface Outcome {
  key: string;
  locale: string;
  body: string;
  message: string;
  ok: boolean;
  preview?: string;
}

function refusal(t: Texts, err: InvalidInputError, body: string): string {
  if (err.code === 'empty') return t.empty;
  if (err.code === 'too-long') return t.tooLong(body.trim().length);
  if (err.code === 'unknown-placeholder')
    return t.unknown(
      unknownPlaceholders(body.trim())
        .slice(0, 10)
        .map((p) => `{${p.slice(0, 40)}}`)
        .join(', '),
    );
  return t.badRequest;
}

/**
 * Greeting texts per key and language for owners and admins: edit with the placeholder check,
 * preview with sample values, and send a test to one's own Telegram through the outbox.
 */
export function registerTemplatesPage(
  scope: FastifyInstance,
  deps: { db: Kysely<Database>; crypto: Crypto; clock?: () => Date },
): void {
  const templates = new TemplateService(deps.db);
  const now = () => deps.clock?.() ?? new Date();

  async function render(reply: FastifyReply, user: PanelUser, outcome: Outcome | null) {
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const entries = await listTemplates(deps.db);
    const groups = [...new Set(entries.map((e) => e.key))];
    const sections = groups
      .map((key) => {
        const own = entries.filter((e) => e.key === key);
        const title =
          key === 'birthday'
            ? t.birthday
            : key === 'winback'
              ? t.winback
              : `${t.holiday}: ${own[0]?.holiday ?? ''}`;
        const forms = own
          .map((e) => {
            const active = outcome?.key === e.key && outcome.locale === e.locale ? outcome : null;
            const body = active ? active.body : e.body;
            return `<form method="post" action="${TEMPLATES_PATH}" class="template" data-key="${esc(e.key)}" data-locale="${e.locale}">
<h3>${e.locale.toUpperCase()}${e.stored ? '' : ` <small>(${t.default})</small>`}</h3>
<input type="hidden" name="key" value="${esc(e.key)}"><input type="hidden" name="locale" value="${e.locale}">
<textarea name="body" rows="4">${esc(body)}</textarea>
${active ? `<p class="${active.ok ? 'ok' : 'error'}" role="${active.ok ? 'status' : 'alert'}">${esc(active.message)}</p>` : ''}
${active?.preview !== undefined ? `<div class="preview"><strong>${t.previewTitle}</strong><p>${esc(active.preview)}</p></div>` : ''}
<div class="buttons"><button name="op" value="save">${t.save}</button><button name="op" value="preview" class="secondary">${t.preview}</button><button name="op" value="test" class="secondary">${t.test}</button></div>
</form>`;
          })
          .join('');
        return `<section><h2>${esc(title)}</h2><div class="pair">${forms}</div></section>`;
      })
      .join('\n');
    const body = `<p>${t.lead} ${PLACEHOLDERS.map((p) => `<code>{${p}}</code>`).join(' ')}</p>
${sections}`;
    return reply.type('text/html').send(
      panelPage({
        title: t.title,
        lang: user.locale,
        back: { href: ADMIN_ROOT, label: t.back },
        body,
        style: `main{max-width:1200px;background:none;box-shadow:none;padding:0 24px}section{background:#fff;border-radius:8px;padding:16px 20px;margin:16px 0;box-shadow:0 2px 12px #0001}
h2{font-size:17px;margin:0 0 8px}h3{font-size:14px;margin:8px 0 4px}.pair{display:grid;grid-template-columns:1fr 1fr;gap:16px}
textarea{width:100%;box-sizing:border-box;padding:8px}code{background:#eef;padding:1px 4px;border-radius:3px}
.buttons{display:flex;gap:8px;margin-top:8px}button{margin-top:0;padding:8px 14px;font-size:14px}
.preview{background:#f1f3ff;border-radius:6px;padding:8px 12px;margin-top:8px}.preview p{margin:4px 0 0;white-space:pre-wrap}`,
      }),
    );
  }

  scope.get(TEMPLATES_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!canEditTemplates(user)) return reply.code(403).send({ error: 'forbidden' });
    return render(reply, user, null);
  });

  scope.post(TEMPLATES_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!canEditTemplates(user)) return reply.code(403).send({ error: 'forbidden' });
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const form = (request.body ?? {}) as Record<string, unknown>;
    const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    const key = field('key');
    const locale = field('locale');
    const body = field('body');
    const op = field('op');
    // Only the texts the page lists can be posted.
    const known = (await listTemplates(deps.db)).some((e) => e.key === key && e.locale === locale);
    if (!known || !['save', 'preview', 'test'].includes(op))
      return reply.code(400).type('text/plain').send(t.badRequest);
    const outcome: Outcome = {
      key,
      locale,
      body: body.slice(0, ECHO_LIMIT),
      message: '',
      ok: true,
    };
    const actor = { type: 'staff' as const, id: user.id, ip: request.ip };
    try {
      if (op === 'save') {
        await templates.save(key, locale, body, actor);
        outcome.message = t.saved;
        outcome.body = body.trim();
      } else if (op === 'preview') {
        outcome.preview = await previewTemplate(deps.db, body, locale, now());
      } else {
        const sent = await sendTestGreeting(
          deps.db,
          deps.crypto,
          { staffId: user.id, key, locale, body, now: now() },
          actor,
        );
        outcome.message = sent ? t.sent : t.again;
      }
      return render(reply, user, outcome);
    } catch (err) {
      if (err instanceof InvalidInputError) {
        outcome.ok = false;
        outcome.message = refusal(t, err, body);
        return render(reply.code(400), user, outcome);
      }
      if (err instanceof TelegramNotLinkedError) {
        outcome.ok = false;
        outcome.message = t.notLinked;
        return render(reply.code(409), user, outcome);
      }
      throw err;
    }
  });
}
