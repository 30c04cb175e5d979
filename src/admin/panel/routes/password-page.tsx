import { Box, Button, FormGroup, FormMessage, Input, Label, Text } from '@adminjs/design-system';
import type { FastifyInstance } from 'fastify';
import React from 'react';
import { z } from 'zod';
import { InvalidInputError } from '../../../domain/errors.js';
import type { StaffService } from '../../../domain/staff/staff-service.js';
import { panelTranslate } from '../locales/index.js';
import { ADMIN_ROOT } from '../paths.js';
import { RequestSchemaError, withSchemas } from '../request-schema.js';
import { languageOf, type PanelLanguage, renderPanelPage } from './page-shell.js';

export const PASSWORD_PATH = `${ADMIN_ROOT}/password`;

type Field = 'current' | 'next' | 'repeat';
/** A refusal shown on its field: the key of its text in `Password`. */
type Refusal = { field: Field; key: 'wrong' | 'short' | 'long' | 'same' | 'weak' | 'mismatch' };

const FIELDS: { name: Field; autoComplete: string; minLength: boolean }[] = [
  { name: 'current', autoComplete: 'current-password', minLength: false },
  { name: 'next', autoComplete: 'new-password', minLength: true },
  { name: 'repeat', autoComplete: 'new-password', minLength: true },
];

/** The form, in the panel's look; only fixed texts go into it, nothing typed is echoed back. */
function page(language: PanelLanguage, minLength: number, refusal: Refusal | null): string {
  const { translateComponent } = panelTranslate(language);
  const t = (key: string, params: Record<string, number> = {}) =>
    translateComponent(`Password.${key}`, params);
  return renderPanelPage({
    language,
    title: t('title'),
    children: (
      <>
        <Text mb="xl">{t('lead', { min: minLength })}</Text>
        <form method="post" action={PASSWORD_PATH}>
          {FIELDS.map(({ name, autoComplete, minLength: bounded }) => {
            const wrong = refusal?.field === name;
            return (
              <FormGroup key={name} error={wrong}>
                <Label htmlFor={name} required>
                  {t(name)}
                </Label>
                <Input
                  id={name}
                  name={name}
                  type="password"
                  autoComplete={autoComplete}
                  {...(bounded ? { minLength } : {})}
                  required
                  {...(wrong ? { 'aria-invalid': true, 'aria-describedby': `${name}-error` } : {})}
                  style={{ width: '100%' }}
                />
                {wrong && (
                  <FormMessage className="error" id={`${name}-error`} role="alert">
                    {t(refusal.key, { min: minLength })}
                  </FormMessage>
                )}
              </FormGroup>
            );
          })}
          <Box mt="xl">
            <Button type="submit" variant="contained">
              {t('save')}
            </Button>
          </Box>
        </form>
      </>
    ),
  });
}

/** Which field a refusal of the staff service is about, and its text. */
function refusalOf(err: InvalidInputError): Refusal {
  if (err.field === 'current') return { field: 'current', key: 'wrong' };
  const key =
    err.code === 'too-short'
      ? 'short'
      : err.code === 'same'
        ? 'same'
        : err.code === 'weak'
          ? 'weak'
          : 'long';
  return { field: 'next', key };
}

/**
 * The page a staff member with a one-time password is sent to until they choose their own.
 * It lives in the panel's scope, so the path guard, session and origin check apply; who may
 * reach it is its line in the access table.
 */
export function registerPasswordPage(scope: FastifyInstance, staff: StaffService): void {
  const minLength = staff.policy.passwordMinLength;
  scope.get(PASSWORD_PATH, async (request, reply) => {
    const language = languageOf(request.session.get('adminUser')?.locale);
    return reply.type('text/html').send(page(language, minLength, null));
  });
  // Bounded far above any real password; a longer one is "too long" on its field.
  const secret = z.string().max(4096).default('');
  const body = z.object({ current: secret, next: secret, repeat: secret });
  withSchemas(scope).post(
    PASSWORD_PATH,
    { schema: { body }, attachValidation: true },
    async (request, reply) => {
      const user = request.session.get('adminUser');
      if (!user) return reply.redirect(`${ADMIN_ROOT}/login`);
      const language = languageOf(user.locale);
      const refuse = (refusal: Refusal) =>
        reply
          .code(400)
          .type('text/html')
          .send(page(language, minLength, refusal));
      if (request.validationError) {
        // The form shows the first bad field.
        const error = request.validationError;
        const bad = error instanceof RequestSchemaError ? Object.keys(error.fields)[0] : undefined;
        return refuse({ field: bad === 'current' || bad === 'repeat' ? bad : 'next', key: 'long' });
      }
      const { current, next, repeat } = request.body;
      if (next !== repeat) return refuse({ field: 'repeat', key: 'mismatch' });
      try {
        await staff.changePassword(
          user.id,
          current,
          next,
          { type: 'staff', id: user.id, ip: request.ip },
          request.session.sessionId,
        );
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        return refuse(refusalOf(err));
      }
      return reply.redirect(ADMIN_ROOT);
    },
  );
}
