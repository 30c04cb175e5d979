import type { Nav, Step } from './kit.js';

/**
 * The step loop: runs steps in order; Back returns to the previous step that asked something
 * (a skipped step is skipped again on the way back); Cancel ends at once. Resolves 'done', or
 * the reason it ended early ('back' from the first step).
 */
export async function runSteps(steps: readonly Step[]): Promise<'done' | Nav> {
  let i = 0;
  let direction: 'next' | 'back' = 'next';
  while (i < steps.length) {
    const step = steps[i];
    if (!step) break;
    const outcome = await step();
    if (outcome === 'cancel') return 'cancel';
    if (outcome !== 'skip') direction = outcome;
    i += direction === 'next' ? 1 : -1;
    if (i < 0) return 'back';
  }
  return 'done';
}
