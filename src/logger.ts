import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Field names that hold personal data or secrets. Anything logged under these keys, at the top
 * level or up to three levels deep, is replaced by pino before it is written, so a forgotten
 * `logger.info({ client })` cannot leak a phone number.
 */
const SENSITIVE_KEYS = [
  'name',
  'firstName',
  'lastName',
  'first_name',
  'last_name',
  'fullName',
  'phone',
  'phone_number',
  'birthday',
  'notes',
  'allergies',
  'preferences',
  'contraindications',
  'comment',
  'text',
  'caption',
  'body',
  'email',
  'username',
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'secret',
  'key',
  'masterKey',
  'cookie',
  'authorization',
  'contact',
  'payload',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of SENSITIVE_KEYS) {
    paths.push(key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`);
  }
  paths.push(
    'req.headers.cookie',
    'req.headers.authorization',
    'req.headers["x-telegram-bot-api-secret-token"]',
  );
  return paths;
}

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      // Not pino's `name`: a top-level `name` key is redacted as personal data.
      base: { app: options.name ?? 'clientele', pid: process.pid },
      redact: { paths: redactPaths(), censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
