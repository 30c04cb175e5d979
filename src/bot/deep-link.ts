/** What a /start payload asks for. Payloads are typed by anyone: parse strictly, trust nothing. */
export type DeepLink =
  | { kind: 'ref'; code: string }
  | { kind: 'src'; code: string }
  | { kind: 'staff'; token: string }
  | { kind: 'invalid' };

const PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/;

export function parseDeepLink(payload: string): DeepLink | null {
  const text = payload.trim();
  if (text === '') return null;
  if (!PAYLOAD.test(text)) return { kind: 'invalid' };
  const [, prefix, value] = /^(ref|src|staff)_([A-Za-z0-9_-]+)$/.exec(text) ?? [];
  if (!prefix || !value) return { kind: 'invalid' };
  if (prefix === 'ref') return { kind: 'ref', code: value };
  if (prefix === 'src') return { kind: 'src', code: value };
  return { kind: 'staff', token: value };
}

export function referralLink(botUsername: string, code: string): string {
  return `https://t.me/${botUsername}?start=ref_${code}`;
}
