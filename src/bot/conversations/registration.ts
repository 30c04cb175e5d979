import type { Conversation } from '@grammyjs/conversations';
import { InlineKeyboard, Keyboard } from 'grammy';
import { type Birthday, normalisePhone, parseBirthday } from '../../domain/clients/normalise.js';
import { InvalidInputError } from '../../domain/errors.js';
import { PhoneTakenError, type RegistrationResult } from '../../domain/onboarding/registration.js';
import { sourceOptions } from '../../domain/onboarding/sources.js';
import { getSetting } from '../../domain/settings.js';
import type { BotContext, BotServices, ConversationContext } from '../context.js';
import { mainMenu } from '../keyboards.js';

export const REGISTRATION = 'registration';

export interface RegistrationStart {
  referralCode: string | null;
  sourceId: string | null;
}

type Step = 'next' | 'back' | 'cancel';
type Conv = Conversation<BotContext, ConversationContext>;

const MAX_NAME = 100;

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
    /** Waits for the next update, settling Back, Cancel and foreign commands in one place. */
    const wait = async (): Promise<{ step: Step } | { update: ConversationContext }> => {
      const update = await conversation.wait();
      const data = update.callbackQuery?.data;
      const text = update.message?.text;
      if (data === 'reg:back' || data === 'reg:cancel') {
        await update.answerCallbackQuery();
        return { step: data === 'reg:back' ? 'back' : 'cancel' };
      }
      if (text === '/cancel' || text === update.t('reg-cancel')) return { step: 'cancel' };
      if (text === update.t('reg-back')) return { step: 'back' };
      if (text?.startsWith('/')) await conversation.halt({ next: true });
      return { update };
    };

    const yesNo = async (question: string, key: 'health' | 'marketing'): Promise<Step> => {
      await ctx.reply(question, {
        reply_markup: new InlineKeyboard()
          .text(ctx.t('reg-yes'), 'reg:yes')
          .text(ctx.t('reg-no'), 'reg:no')
          .row()
          .text(ctx.t('reg-back'), 'reg:back')
          .text(ctx.t('reg-cancel'), 'reg:cancel'),
      });
      for (;;) {
        const got = await wait();
        if ('step' in got) return got.step;
        const data = got.update.callbackQuery?.data;
        if (data === 'reg:yes' || data === 'reg:no') {
          await got.update.answerCallbackQuery();
          draft[key] = data === 'reg:yes';
          return 'next';
        }
        if (got.update.callbackQuery)
          await got.update.answerCallbackQuery({ text: got.update.t('stale-button') });
        else await got.update.reply(got.update.t('reg-use-buttons'));
      }
    };

    const steps: (() => Promise<Step>)[] = [
      async () => {
        await ctx.reply(ctx.t('consent-personal-data'), {
          reply_markup: new InlineKeyboard()
            .text(ctx.t('consent-agree'), 'reg:agree')
            .text(ctx.t('consent-decline'), 'reg:cancel'),
        });
        for (;;) {
          const got = await wait();
          if ('step' in got) return got.step === 'back' ? 'cancel' : got.step;
          if (got.update.callbackQuery?.data === 'reg:agree') {
            await got.update.answerCallbackQuery();
            return 'next';
          }
          if (got.update.callbackQuery)
            await got.update.answerCallbackQuery({ text: got.update.t('stale-button') });
          else await got.update.reply(got.update.t('reg-use-buttons'));
        }
      },
      () => yesNo(ctx.t('consent-health-data'), 'health'),
      () => yesNo(ctx.t('consent-marketing'), 'marketing'),
      async () => {
        const allowTyped = await conversation.external(() =>
          getSetting(services.db, 'registration.allow_typed_phone'),
        );
        await ctx.reply(ctx.t(allowTyped ? 'reg-phone-or-type' : 'reg-phone'), {
          reply_markup: new Keyboard()
            .requestContact(ctx.t('reg-share-phone'))
            .row()
            .text(ctx.t('reg-back'))
            .text(ctx.t('reg-cancel'))
            .resized()
            .oneTime(),
        });
        for (;;) {
          const got = await wait();
          if ('step' in got) return got.step;
          const contact = got.update.message?.contact;
          const typed = got.update.message?.text;
          if (contact) {
            if (contact.user_id !== userId) {
              await got.update.reply(got.update.t('reg-phone-not-yours'));
              continue;
            }
            draft.phone = contact.phone_number;
          } else if (typed !== undefined && allowTyped) {
            draft.phone = typed;
          } else {
            await got.update.reply(
              got.update.t(allowTyped ? 'reg-phone-or-type' : 'reg-phone-use-button'),
            );
            continue;
          }
          try {
            draft.phone = normalisePhone(draft.phone);
          } catch {
            await got.update.reply(got.update.t('reg-phone-invalid'));
            continue;
          }
          await got.update.reply(got.update.t('reg-phone-ok'), {
            reply_markup: { remove_keyboard: true },
          });
          return 'next';
        }
      },
      async () => {
        const profile = [ctx.from?.first_name, ctx.from?.last_name]
          .filter(Boolean)
          .join(' ')
          .trim()
          .slice(0, MAX_NAME);
        const keyboard = new InlineKeyboard();
        if (profile)
          keyboard.text(ctx.t('reg-name-use', { name: profile }), 'reg:profile-name').row();
        keyboard.text(ctx.t('reg-back'), 'reg:back').text(ctx.t('reg-cancel'), 'reg:cancel');
        await ctx.reply(ctx.t('reg-name'), { reply_markup: keyboard });
        for (;;) {
          const got = await wait();
          if ('step' in got) return got.step;
          if (got.update.callbackQuery?.data === 'reg:profile-name' && profile) {
            await got.update.answerCallbackQuery();
            draft.name = profile;
            return 'next';
          }
          const typed = got.update.message?.text?.trim();
          if (typed === undefined) {
            if (got.update.callbackQuery)
              await got.update.answerCallbackQuery({ text: got.update.t('stale-button') });
            else await got.update.reply(got.update.t('reg-name-text'));
            continue;
          }
          if (typed.length === 0 || !/\p{L}/u.test(typed)) {
            await got.update.reply(got.update.t('reg-name-invalid'));
            continue;
          }
          if (typed.length > MAX_NAME) {
            await got.update.reply(got.update.t('reg-name-too-long', { max: MAX_NAME }));
            continue;
          }
          draft.name = typed;
          return 'next';
        }
      },
      async () => {
        await ctx.reply(ctx.t('reg-birthday'), {
          reply_markup: new InlineKeyboard()
            .text(ctx.t('reg-skip'), 'reg:skip')
            .row()
            .text(ctx.t('reg-back'), 'reg:back')
            .text(ctx.t('reg-cancel'), 'reg:cancel'),
        });
        for (;;) {
          const got = await wait();
          if ('step' in got) return got.step;
          if (got.update.callbackQuery?.data === 'reg:skip') {
            await got.update.answerCallbackQuery();
            draft.birthday = null;
            return 'next';
          }
          const typed = got.update.message?.text;
          if (typed === undefined) {
            if (got.update.callbackQuery)
              await got.update.answerCallbackQuery({ text: got.update.t('stale-button') });
            else await got.update.reply(got.update.t('reg-birthday-invalid'));
            continue;
          }
          const today = await conversation.now();
          try {
            draft.birthday = parseBirthday(typed.slice(0, 40), new Date(today));
            return 'next';
          } catch (err) {
            const code = err instanceof InvalidInputError ? err.code : 'format';
            await got.update.reply(
              got.update.t(code === 'in_future' ? 'reg-birthday-future' : 'reg-birthday-invalid'),
            );
          }
        }
      },
      async () => {
        if (draft.sourceId !== null || start.referralCode !== null) return 'next';
        const options = await conversation.external(() => sourceOptions(services.db));
        if (options.length === 0) return 'next';
        const keyboard = new InlineKeyboard();
        for (const [i, o] of options.slice(0, 30).entries()) {
          keyboard.text(o.label.slice(0, 60), `reg:src:${i}`).row();
        }
        keyboard
          .text(ctx.t('reg-skip'), 'reg:skip')
          .row()
          .text(ctx.t('reg-back'), 'reg:back')
          .text(ctx.t('reg-cancel'), 'reg:cancel');
        await ctx.reply(ctx.t('reg-source'), { reply_markup: keyboard });
        for (;;) {
          const got = await wait();
          if ('step' in got) return got.step;
          const data = got.update.callbackQuery?.data ?? '';
          const picked = /^reg:src:(\d+)$/.exec(data);
          if (picked || data === 'reg:skip') {
            await got.update.answerCallbackQuery();
            draft.sourceId = picked ? (options[Number(picked[1])]?.id ?? null) : null;
            return 'next';
          }
          if (got.update.callbackQuery)
            await got.update.answerCallbackQuery({ text: got.update.t('stale-button') });
          else await got.update.reply(got.update.t('reg-use-buttons'));
        }
      },
    ];

    let index = 0;
    while (index < steps.length) {
      const step = steps[index];
      if (!step) break;
      const outcome = await step();
      if (outcome === 'cancel') {
        await ctx.reply(ctx.t('reg-cancelled'), { reply_markup: { remove_keyboard: true } });
        return;
      }
      index = outcome === 'back' ? Math.max(0, index - 1) : index + 1;
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
