/**
 * Sandbox personas get Telegram ids from 2^52 up: real Telegram user ids have at most 52
 * significant bits, so the two never meet, and these still fit a JavaScript number exactly.
 * The migration's sequence, check and `clients.sandbox` column use the same bound.
 */
export const SANDBOX_ID_MIN = 2 ** 52;

export function isSandboxTelegramId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= SANDBOX_ID_MIN;
}
