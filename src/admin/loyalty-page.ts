import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../db/schema.js';
import { InvalidInputError } from '../domain/errors.js';
import { type LoyaltyRules, rulesSchema } from '../domain/loyalty/loyalty-rules.js';
import type { LoyaltyService } from '../domain/loyalty/loyalty-service.js';
import { salonTimeZone } from '../domain/salon-zone.js';
import { isPanelUser, type PanelUser } from './access.js';
import { esc, panelPage } from './page-shell.js';
import { ADMIN_ROOT } from './paths.js';

export const LOYALTY_PATH = `${ADMIN_ROOT}/loyalty`;

/** The rules hold no personal data: those who read the numbers may see them; two roles edit. */
const VIEW_ROLES = ['owner', 'admin', 'manager', 'analyst'];
const EDIT_ROLES = ['owner', 'admin'];

export function canViewLoyalty(user: unknown): user is PanelUser {
  return isPanelUser(user) && VIEW_ROLES.includes(user.role);
}
export function canEditLoyalty(user: unknown): user is PanelUser {
  return isPanelUser(user) && EDIT_ROLES.includes(user.role);
}

/** Rows the form keeps on screen at most, whatever is posted; the rules allow fewer. */
const SHOWN_ROWS = 50;
const MAX_TEXT = 200;
/** Level names reach clients in the bot: letters, digits and a few signs, no markup. */
const NAME = /^[\p{L}\p{N} .,'’+#№()_-]+$/u;
const NUMBER = /^[+-]?\d+(\.\d+)?$/;

const TEXT = {
  ru: {
    title: 'Правила лояльности',
    back: '← В панель',
    lead: 'Скидка клиента — большая из реферальной и уровневой, плюс купон, но не выше общего потолка. Сохранение создаёт новую версию правил; записанные визиты остаются по своей.',
    readOnly: 'Только просмотр: менять правила могут владелец и администратор.',
    referral: 'Скидка за друзей',
    friends: 'Друзей',
    percent: 'Скидка, %',
    addStep: '+ Ступень',
    remove: 'Убрать',
    secondLevelWeight: 'Вес друга друга (0–1)',
    referralCapPercent: 'Потолок скидки за друзей, %',
    levels: 'Уровни',
    name: 'Название',
    minSpend: 'Сумма от',
    minVisits: 'Визитов от',
    addLevel: '+ Уровень',
    levelWindowDays: 'Уровень считается за, дней',
    globalCapPercent: 'Общий потолок скидки, %',
    points: 'Баллы',
    earnPercent: 'Начисление, % от оплаты',
    maxSharePercent: 'Оплата баллами, не больше % счёта',
    save: 'Сохранить новую версию',
    saved: (v: number) => `Сохранено: версия ${v}.`,
    errors: 'Не сохранено: исправьте поля, отмеченные ниже.',
    history: 'Версии',
    version: 'Версия',
    who: 'Кто',
    when: 'Когда',
    defaults: 'Пока действуют правила по умолчанию.',
    system: 'система',
    required: 'Заполните поле.',
    number: 'Нужно число, например 5 или 2.5.',
    whole: 'Нужно целое число.',
    min: (n: number) => `Не меньше ${n}.`,
    max: (n: number) => `Не больше ${n}.`,
    long: (n: number) => `Не длиннее ${n} знаков.`,
    name_chars: "Только буквы, цифры, пробел и знаки . , ' - + # № ( ).",
    duplicateName: 'Такое название уже есть.',
    duplicateFriends: 'Ступень с таким числом друзей уже есть.',
    rowsMax: (n: number) => `Не больше ${n} строк.`,
    rowsMin: 'Нужен хотя бы один уровень.',
    invalid: 'Недопустимое значение.',
  },
  en: {
    title: 'Loyalty rules',
    back: '← To the panel',
    lead: "A client's discount is the larger of the referral and the level discount, plus a coupon, never above the global cap. Saving makes a new version of the rules; booked visits keep theirs.",
    readOnly: 'Read only: owners and admins change the rules.',
    referral: 'Discount for friends',
    friends: 'Friends',
    percent: 'Discount, %',
    addStep: '+ Step',
    remove: 'Remove',
    secondLevelWeight: "Weight of a friend's friend (0–1)",
    referralCapPercent: 'Cap of the friends discount, %',
    levels: 'Levels',
    name: 'Name',
    minSpend: 'Spend from',
    minVisits: 'Visits from',
    addLevel: '+ Level',
    levelWindowDays: 'Levels count the last, days',
    globalCapPercent: 'Global discount cap, %',
    points: 'Points',
    earnPercent: 'Earned, % of the payment',
    maxSharePercent: 'Paid with points, at most % of the bill',
    save: 'Save a new version',
    saved: (v: number) => `Saved: version ${v}.`,
    errors: 'Not saved: correct the fields marked below.',
    history: 'Versions',
    version: 'Version',
    who: 'Who',
    when: 'When',
    defaults: 'The default rules apply so far.',
    system: 'system',
    required: 'Fill this in.',
    number: 'A number is needed, like 5 or 2.5.',
    whole: 'A whole number is needed.',
    min: (n: number) => `At least ${n}.`,
    max: (n: number) => `At most ${n}.`,
    long: (n: number) => `At most ${n} characters.`,
    name_chars: "Letters, digits, spaces and . , ' - + # № ( ) only.",
    duplicateName: 'This name is already used.',
    duplicateFriends: 'A step with this number of friends is already there.',
    rowsMax: (n: number) => `At most ${n} rows.`,
    rowsMin: 'At least one level is needed.',
    invalid: 'Not an allowed value.',
  },
};
type Texts = (typeof TEXT)['en'];

/** The form as typed: every value a string, so a wrong one is shown back as it was. */
interface Form {
  referral: { friends: string; percent: string }[];
  secondLevelWeight: string;
  referralCapPercent: string;
  levels: { name: string; minSpend: string; minVisits: string; percent: string }[];
  levelWindowDays: string;
  globalCapPercent: string;
  earnPercent: string;
  maxSharePercent: string;
}
/** Messages by field path (`levels.1.name`, `referral`, `points.earnPercent`…). */
type Errors = Record<string, string>;

function toForm(r: LoyaltyRules): Form {
  const s = (n: number) => String(n);
  return {
    referral: r.referral.map((x) => ({ friends: s(x.friends), percent: s(x.percent) })),
    secondLevelWeight: s(r.secondLevelWeight),
    referralCapPercent: s(r.referralCapPercent),
    levels: r.levels.map((l) => ({
      name: l.name,
      minSpend: s(l.minSpend),
      minVisits: s(l.minVisits),
      percent: s(l.percent),
    })),
    levelWindowDays: s(r.levelWindowDays),
    globalCapPercent: s(r.globalCapPercent),
    earnPercent: s(r.points.earnPercent),
    maxSharePercent: s(r.points.maxSharePercent),
  };
}

/** Reads the posted form; unknown keys are ignored and a repeated key counts as wrong input. */
function readForm(body: Record<string, unknown>): { form: Form; rows: Record<string, number> } {
  const text = (key: string) => {
    const v = Object.hasOwn(body, key) ? body[key] : undefined;
    if (v === undefined) return '';
    return typeof v === 'string' ? v.slice(0, MAX_TEXT * 50) : '\u0000';
  };
  const indices = (prefix: string) => {
    const found = new Set<number>();
    for (const key of Object.keys(body)) {
      const m = new RegExp(`^${prefix}\\.(\\d{1,6})\\.`).exec(key);
      if (m) found.add(Number(m[1]));
    }
    return [...found].sort((a, b) => a - b);
  };
  const referral = indices('referral');
  const levels = indices('levels');
  return {
    rows: { referral: referral.length, levels: levels.length },
    form: {
      referral: referral.slice(0, SHOWN_ROWS).map((i) => ({
        friends: text(`referral.${i}.friends`),
        percent: text(`referral.${i}.percent`),
      })),
      secondLevelWeight: text('secondLevelWeight'),
      referralCapPercent: text('referralCapPercent'),
      levels: levels.slice(0, SHOWN_ROWS).map((i) => ({
        name: text(`levels.${i}.name`),
        minSpend: text(`levels.${i}.minSpend`),
        minVisits: text(`levels.${i}.minVisits`),
        percent: text(`levels.${i}.percent`),
      })),
      levelWindowDays: text('levelWindowDays'),
      globalCapPercent: text('globalCapPercent'),
      earnPercent: text('points.earnPercent'),
      maxSharePercent: text('points.maxSharePercent'),
    },
  };
}

/**
 * The typed form as rules, or the message for every field at fault. The limits are the
 * domain's schema; this adds what a person typing needs: numbers, names without markup,
 * duplicates pointed at the row.
 */
function check(
  form: Form,
  rows: Record<string, number>,
  t: Texts,
): { rules: LoyaltyRules } | { errors: Errors } {
  const errors: Errors = {};
  const num = (path: string, value: string): number => {
    const v = value.trim().replace(',', '.');
    if (v === '') errors[path] = t.required;
    else if (v.length > 30 || !NUMBER.test(v)) errors[path] = t.number;
    return Number(v);
  };
  const name = (path: string, value: string): string => {
    const v = value.trim();
    if (v === '') errors[path] = t.required;
    else if (v.length > 40) errors[path] = t.long(40);
    else if (!NAME.test(v)) errors[path] = t.name_chars;
    return v;
  };
  const candidate = {
    referral: form.referral.map((r, i) => ({
      friends: num(`referral.${i}.friends`, r.friends),
      percent: num(`referral.${i}.percent`, r.percent),
    })),
    secondLevelWeight: num('secondLevelWeight', form.secondLevelWeight),
    referralCapPercent: num('referralCapPercent', form.referralCapPercent),
    levels: form.levels.map((l, i) => ({
      name: name(`levels.${i}.name`, l.name),
      minSpend: num(`levels.${i}.minSpend`, l.minSpend),
      minVisits: num(`levels.${i}.minVisits`, l.minVisits),
      percent: num(`levels.${i}.percent`, l.percent),
    })),
    levelWindowDays: num('levelWindowDays', form.levelWindowDays),
    globalCapPercent: num('globalCapPercent', form.globalCapPercent),
    points: {
      earnPercent: num('points.earnPercent', form.earnPercent),
      maxSharePercent: num('points.maxSharePercent', form.maxSharePercent),
    },
  };
  const seen = new Map<string, number>();
  candidate.levels.forEach((l, i) => {
    const key = l.name.toLowerCase();
    if (key !== '' && seen.has(key)) errors[`levels.${i}.name`] ??= t.duplicateName;
    seen.set(key, i);
  });
  const steps = new Set<number>();
  candidate.referral.forEach((r, i) => {
    if (steps.has(r.friends)) errors[`referral.${i}.friends`] ??= t.duplicateFriends;
    steps.add(r.friends);
  });
  if ((rows.referral ?? 0) > 20) errors.referral = t.rowsMax(20);
  if ((rows.levels ?? 0) > 10) errors.levels = t.rowsMax(10);
  const parsed = rulesSchema.safeParse(candidate);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.') || 'rules';
      if (errors[path]) continue;
      const i = issue as { code: string; origin?: string; minimum?: unknown; maximum?: unknown };
      if (i.code === 'too_big' && i.origin === 'array') errors[path] = t.rowsMax(Number(i.maximum));
      else if (i.code === 'too_small' && i.origin === 'array') errors[path] = t.rowsMin;
      else if (i.code === 'too_big' && i.origin === 'string')
        errors[path] = t.long(Number(i.maximum));
      else if (i.code === 'too_big') errors[path] = t.max(Number(i.maximum));
      else if (i.code === 'too_small' && i.origin === 'string') errors[path] = t.required;
      else if (i.code === 'too_small') errors[path] = t.min(Number(i.minimum));
      else if (i.code === 'invalid_type' && Number.isFinite(Number(valueAt(candidate, issue.path))))
        errors[path] = t.whole;
      else if (i.code === 'invalid_type') errors[path] = t.number;
      else errors[path] = t.invalid;
    }
  if (Object.keys(errors).length > 0 || !parsed.success) return { errors };
  return { rules: parsed.data };
}

function valueAt(o: unknown, path: PropertyKey[]): unknown {
  let v = o;
  for (const key of path) v = (v as Record<PropertyKey, unknown> | undefined)?.[key];
  return v;
}

/**
 * The loyalty rules as a form: referral steps, levels, caps and points; saving goes through
 * LoyaltyService.setRules (a new, audited version). Below it, who saved which version when.
 */
export function registerLoyaltyPage(
  scope: FastifyInstance,
  deps: { loyalty: LoyaltyService; db: Kysely<Database> },
): void {
  async function render(
    reply: FastifyReply,
    user: PanelUser,
    form: Form,
    errors: Errors,
    notice: string | null,
  ) {
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const editable = canEditLoyalty(user);
    const [history, zone] = await Promise.all([
      deps.loyalty.rulesHistory(),
      salonTimeZone(deps.db),
    ]);
    const ro = editable ? '' : ' readonly';
    const error = (path: string) =>
      errors[path]
        ? `<span class="error" id="err-${esc(path)}" role="alert">${esc(errors[path])}</span>`
        : '';
    const input = (path: string, label: string, value: string, kind: 'num' | 'text' = 'num') =>
      `<label class="field${errors[path] ? ' bad' : ''}"><span>${esc(label)}</span><input name="${esc(path)}" value="${esc(value)}"${
        kind === 'num' ? ' inputmode="decimal" size="8"' : ' size="16" maxlength="400"'
      }${errors[path] ? ` aria-invalid="true" aria-describedby="err-${esc(path)}"` : ''}${ro}>${error(path)}</label>`;
    const button = (op: string, label: string, cls = 'secondary') =>
      editable
        ? `<button type="submit" name="op" value="${op}" class="${cls}">${esc(label)}</button>`
        : '';
    const referralRows = form.referral
      .map(
        (r, i) =>
          `<div class="row" data-row="referral-${i}">${input(`referral.${i}.friends`, t.friends, r.friends)}${input(`referral.${i}.percent`, t.percent, r.percent)}${button(`remove-referral-${i}`, t.remove)}</div>`,
      )
      .join('');
    const levelRows = form.levels
      .map(
        (l, i) =>
          `<div class="row" data-row="level-${i}">${input(`levels.${i}.name`, t.name, l.name, 'text')}${input(`levels.${i}.minSpend`, t.minSpend, l.minSpend)}${input(`levels.${i}.minVisits`, t.minVisits, l.minVisits)}${input(`levels.${i}.percent`, t.percent, l.percent)}${button(`remove-level-${i}`, t.remove)}</div>`,
      )
      .join('');
    const historyRows = history
      .map(
        (h) =>
          `<tr><td>${h.version}</td><td>${esc(h.by ?? t.system)}</td><td>${esc(
            DateTime.fromJSDate(h.at, { zone }).toFormat('yyyy-MM-dd HH:mm'),
          )}</td></tr>`,
      )
      .join('');
    const hasErrors = Object.keys(errors).length > 0;
    const body = `<p>${t.lead}</p>
${editable ? '' : `<p class="notice">${t.readOnly}</p>`}
${notice ? `<p class="notice" role="status">${esc(notice)}</p>` : ''}
${hasErrors ? `<p class="alert" role="alert">${t.errors}</p>${error('rules')}` : ''}
<form method="post" action="${LOYALTY_PATH}" novalidate>
${editable ? `<button type="submit" name="op" value="save">${t.save}</button>` : ''}
<fieldset id="referral"><legend>${t.referral}</legend>${error('referral')}${referralRows}${button('add-referral', t.addStep)}
<div class="row">${input('secondLevelWeight', t.secondLevelWeight, form.secondLevelWeight)}${input('referralCapPercent', t.referralCapPercent, form.referralCapPercent)}</div></fieldset>
<fieldset id="levels"><legend>${t.levels}</legend>${error('levels')}${levelRows}${button('add-level', t.addLevel)}
<div class="row">${input('levelWindowDays', t.levelWindowDays, form.levelWindowDays)}</div></fieldset>
<fieldset><legend>${t.points}</legend><div class="row">${input('points.earnPercent', t.earnPercent, form.earnPercent)}${input('points.maxSharePercent', t.maxSharePercent, form.maxSharePercent)}</div></fieldset>
<fieldset><legend>${t.globalCapPercent}</legend><div class="row">${input('globalCapPercent', t.globalCapPercent, form.globalCapPercent)}</div></fieldset>
${editable ? `<button type="submit" name="op" value="save">${t.save}</button>` : ''}
</form>
<h2>${t.history}</h2>${
      history.length === 0
        ? `<p>${t.defaults}</p>`
        : `<table id="history"><thead><tr><th>${t.version}</th><th>${t.who}</th><th>${t.when}</th></tr></thead><tbody>${historyRows}</tbody></table>`
    }`;
    return reply.type('text/html').send(
      panelPage({
        title: t.title,
        lang: user.locale,
        back: { href: ADMIN_ROOT, label: t.back },
        body,
        style: `main{max-width:1040px}fieldset{border:1px solid #dde;border-radius:6px;margin:16px 0;padding:12px 16px}legend{font-weight:600}
.row{display:flex;flex-wrap:wrap;align-items:flex-start;gap:8px 16px;padding:4px 0;border-bottom:1px dashed #eef}
.field{display:inline-flex;flex-direction:column;margin:4px 16px 4px 0;font-size:14px;max-width:100%}
.field span{color:#555;margin-bottom:2px}input{border:1px solid #ccd;border-radius:4px;max-width:100%}
.bad input{border-color:#c20012;background:#fff5f5}.error{font-size:13px;max-width:260px;overflow-wrap:anywhere}
button{margin-top:8px;padding:8px 16px}button.secondary{margin-top:22px}.notice{color:#0a7a2f}.alert{color:#c20012}
table{width:auto;margin-top:8px}td,th{padding:4px 12px;border-bottom:1px solid #eee}`,
      }),
    );
  }

  scope.get(LOYALTY_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!canViewLoyalty(user)) return reply.code(403).send({ error: 'forbidden' });
    const { rules } = await deps.loyalty.rules();
    const saved = (request.query as Record<string, unknown>).saved;
    const version = typeof saved === 'string' && /^\d{1,9}$/.test(saved) ? Number(saved) : null;
    const t = user.locale === 'en' ? TEXT.en : TEXT.ru;
    return render(reply, user, toForm(rules), {}, version === null ? null : t.saved(version));
  });

  scope.post(LOYALTY_PATH, async (request, reply) => {
    const user = request.session.get('adminUser');
    if (!canEditLoyalty(user)) return reply.code(403).send({ error: 'forbidden' });
    const t: Texts = user.locale === 'en' ? TEXT.en : TEXT.ru;
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<
      string,
      unknown
    >;
    const { form, rows } = readForm(body);
    const op = typeof body.op === 'string' ? body.op : 'save';
    // Adding or removing a row only shows the form again; nothing is saved until "save".
    if (op === 'add-referral' && form.referral.length < 20) {
      form.referral.push({ friends: '', percent: '' });
      return render(reply, user, form, {}, null);
    }
    if (op === 'add-level' && form.levels.length < 10) {
      form.levels.push({ name: '', minSpend: '0', minVisits: '0', percent: '' });
      return render(reply, user, form, {}, null);
    }
    const removal = /^remove-(referral|level)-(\d{1,3})$/.exec(op);
    if (removal) {
      const list = removal[1] === 'referral' ? form.referral : form.levels;
      list.splice(Number(removal[2]), 1);
      return render(reply, user, form, {}, null);
    }
    const checked = check(form, rows, t);
    if ('errors' in checked) return render(reply.code(400), user, form, checked.errors, null);
    const actor = { type: 'staff' as const, id: user.id, ip: request.ip };
    try {
      const version = await deps.loyalty.setRules(checked.rules, actor);
      return reply.redirect(`${LOYALTY_PATH}?saved=${version}`, 303);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      return render(reply.code(400), user, form, { [err.field]: t.invalid }, null);
    }
  });
}
