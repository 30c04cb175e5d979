import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

let factory: Promise<ZxcvbnFactory> | undefined;

/**
 * zxcvbn and its common-password and keyboard lists weigh several megabytes: they are loaded on
 * the first check, not at start-up, so a panel nobody changes a password on does not carry them.
 */
function loadFactory(): Promise<ZxcvbnFactory> {
  factory ??= (async () => {
    const [core, common] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
    ]);
    return new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary },
      graphs: common.adjacencyGraphs,
    });
  })();
  factory.catch(() => {
    factory = undefined;
  });
  return factory;
}

/**
 * zxcvbn's score (0–4) of a password; `related` are words an attacker would try first for this
 * person (e-mail, name), which count as guessed.
 */
export async function passwordScore(password: string, related: string[] = []): Promise<number> {
  const zxcvbn = await loadFactory();
  // zxcvbn's cost grows with length; past 100 characters a password is strong for our purpose
  // and its head is what an attacker's list could match.
  return zxcvbn.check(password.slice(0, 100), related).score;
}

/**
 * Whether a password reaches `minScore` on zxcvbn's scale, where 3 is "safely unguessable"
 * (about 10^8 guesses) for an online attack and 4 "very unguessable" (about 10^10).
 */
export async function isStrongPassword(
  password: string,
  related: string[],
  minScore: number,
): Promise<boolean> {
  return (await passwordScore(password, related)) >= minScore;
}
