import { Keyboard } from 'grammy';
import { type Birthday, normalisePhone, parseBirthday } from '../../domain/clients/normalise.js';
import { InvalidInputError } from '../../domain/errors.js';
import { PhoneTakenError, type RegistrationResult } from '../../domain/onboarding/registration.js';
import { sourceOptions } from '../../domain/onboarding/sources.js';
import { getSetting } from '../../domain/settings.js';
import { callbacks } from '../callback-data.js';
import type { BotServices, ConversationContext } from '../context.js';
import { mainMenu } from '../keyboards.js';
import { askText, type Parsed } from './kit/ask-text.js';
import { chooseOne } from './kit/choose-one.js';
import { type Conv, createKit, type StepOutcome } from './kit/kit.js';
import { runSteps } from './kit/steps.js';
import { waitInStep } from './kit/wait.js';

export const REGISTRATION = 'registration';

export interface RegistrationStart {
  referralCode: string | null;
  sourceId: string | null;
}

const MAX_NAME = 100;

/** A name typed by the person: letters somewhere, and not too long. */
export function parseName(typed: string, t: ConversationContext['t']): Parsed<string> {
  const name = typed.trim();
  if (name.length === 0 || !/\p{L}/u.test(name)) return { error: t('reg-name-invalid') };
  if (name.length > MAX_NAME) return { error: t('reg-name-too-long', { max: MAX_NAME }) };
  return { value: name };
}

/**
 * Consent → optional consents → phone by contact button → name → birthday → source → done.
 * Every step has Back and Cancel; the state lives in PostgreSQL, so a restart resumes it.
 */
export function registrationConversation(services: BotServices) {
  return async function registration(
    conversation: Conv,
    ctx: ConversationContext,
    start: RegistrationStart,
  ) {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    const draft = {
      health: false,
      marketing: false,
      phone: '',
      name: '',
      birthday: null as Birthday | null,
      sourceId: start.sourceId,
    };
    const kit = createKit(conversation, ctx, {
      nav: callbacks.registrationNav,
      useButtons: 'reg-use-buttons',
      labels: { back: 'reg-back', cancel: 'reg-cancel' },
      typedNav: { back: 'reg-back', cancel: 'reg-cancel' },
    });
    const answer = (a: 'agree' | 'yes' | 'no' | 'skip' | 'profile-name') =>
      callbacks.registrationAnswer.pack({ answer: a });

    const yesNo = async (question: string, key: 'health' | 'marketing'): Promise<StepOutcome> => {
      const got = await chooseOne(kit, {
        text: question,
        rows: [
          [
            { text: ctx.t('reg-yes'), data: answer('yes'), value: true },
            { text: ctx.t('reg-no'), data: answer('no'), value: false },
          ],
        ],
        back: true,
      });
      if ('nav' in got) return got.nav;
      draft[key] = got.value;
      return 'next';
    };

    const consentStep = async (): Promise<StepOutcome> => {
      const got = await chooseOne(kit, {
        text: ctx.t('consent-personal-data'),
        rows: [[{ text: ctx.t('consent-agree'), data: answer('agree'), value: true }]],
        back: false,
        cancelLabel: 'consent-decline',
      });
      return 'nav' in got ? 'cancel' : 'next';
    };

    const phoneStep = async (): Promise<StepOutcome> => {
      const allowTyped = await conversation.external(() =>
        getSetting(services.db, 'registration.allow_typed_phone'),
      );
      const prompt = await ctx.reply(ctx.t(allowTyped ? 'reg-phone-or-type' : 'reg-phone'), {
        reply_markup: new Keyboard()
          .requestContact(ctx.t('reg-share-phone'))
          .row()
          .text(ctx.t('reg-back'))
          .text(ctx.t('reg-cancel'))
          .resized()
          .oneTime(),
      });
      for (;;) {
        const got = await waitInStep(kit, prompt, { back: true });
        if ('nav' in got) return got.nav;
        const contact = got.update.message?.contact;
        const typed = got.update.message?.text;
        let phone: string;
        if (contact) {
          if (contact.user_id !== userId) {
            await got.update.reply(got.update.t('reg-phone-not-yours'));
            continue;
          }
          phone = contact.phone_number;
        } else if (typed !== undefined && allowTyped) {
          phone = typed;
        } else {
          await got.update.reply(
            got.update.t(allowTyped ? 'reg-phone-or-type' : 'reg-phone-use-button'),
          );
          continue;
        }
        try {
          draft.phone = normalisePhone(phone);
        } catch {
          await got.update.reply(got.update.t('reg-phone-invalid'));
          continue;
        }
        await got.update.reply(got.update.t('reg-phone-ok'), {
          reply_markup: { remove_keyboard: true },
        });
        return 'next';
      }
    };

    const nameStep = async (): Promise<StepOutcome> => {
      const profile = [ctx.from?.first_name, ctx.from?.last_name]
        .filter(Boolean)
        .join(' ')
        .trim()
        .slice(0, MAX_NAME);
      const got = await askText(kit, {
        text: ctx.t('reg-name'),
        rows: profile
          ? [
              [
                {
                  text: ctx.t('reg-name-use', { name: profile }),
                  data: answer('profile-name'),
                  value: profile,
                },
              ],
            ]
          : [],
        back: true,
        notText: 'reg-name-text',
        parse: (typed, update) => parseName(typed, update.t.bind(update)),
      });
      if ('nav' in got) return got.nav;
      draft.name = 'choice' in got ? got.choice : got.value;
      return 'next';
    };

    const birthdayStep = async (): Promise<StepOutcome> => {
      const got = await askText<Birthday, null>(kit, {
        text: ctx.t('reg-birthday'),
        rows: [[{ text: ctx.t('reg-skip'), data: answer('skip'), value: null }]],
        back: true,
        notText: 'reg-birthday-invalid',
        parse: async (typed, update) => {
          const today = await conversation.now();
          try {
            return { value: parseBirthday(typed.slice(0, 40), new Date(today)) };
          } catch (err) {
            const code = err instanceof InvalidInputError ? err.code : 'format';
            return {
              error: update.t(
                code === 'in-future' ? 'reg-birthday-future' : 'reg-birthday-invalid',
              ),
            };
          }
        },
      });
      if ('nav' in got) return got.nav;
      draft.birthday = 'choice' in got ? null : got.value;
      return 'next';
    };

    const sourceStep = async (): Promise<StepOutcome> => {
      if (draft.sourceId !== null || start.referralCode !== null) return 'skip';
      const options = await conversation.external(() => sourceOptions(services.db));
      if (options.length === 0) return 'skip';
      const got = await chooseOne<string | null>(kit, {
        text: ctx.t('reg-source'),
        rows: [
          ...options.slice(0, 30).map((o, index) => [
            {
              text: o.label.slice(0, 60),
              data: callbacks.registrationSource.pack({ index }),
              value: o.id,
            },
          ]),
          [{ text: ctx.t('reg-skip'), data: answer('skip'), value: null }],
        ],
        back: true,
      });
      if ('nav' in got) return got.nav;
      draft.sourceId = got.value;
      return 'next';
    };

    const ended = await runSteps([
      consentStep,
      () => yesNo(ctx.t('consent-health-data'), 'health'),
      () => yesNo(ctx.t('consent-marketing'), 'marketing'),
      phoneStep,
      nameStep,
      birthdayStep,
      sourceStep,
    ]);
    if (ended !== 'done') {
      await ctx.reply(ctx.t('reg-cancelled'), { reply_markup: { remove_keyboard: true } });
      return;
    }

    const locale = await ctx.i18n.getLocale();
    const result: RegistrationResult | 'phone-taken' = await conversation.external(async () => {
      try {
        return await services.registration.register({
          telegramUserId: userId,
          phone: draft.phone,
          name: draft.name,
          birthday: draft.birthday,
          locale,
          healthDataConsent: draft.health,
          marketingConsent: draft.marketing,
          sourceId: draft.sourceId,
          referralCode: start.referralCode,
        });
      } catch (err) {
        if (err instanceof PhoneTakenError) return 'phone-taken' as const;
        throw err;
      }
    });
    if (result === 'phone-taken') {
      await ctx.reply(ctx.t('reg-phone-taken'), { reply_markup: { remove_keyboard: true } });
      return;
    }
    const name = result.client.name ?? draft.name;
    const key = result.outcome === 'linked' ? 'reg-done-linked' : 'reg-done';
    await ctx.reply(ctx.t(key, { name }), { reply_markup: mainMenu(ctx.t) });
  };
}
