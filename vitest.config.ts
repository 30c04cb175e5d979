import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The three fault tests under load (issue #15) run with `npm run test:faults`: their booking
    // walkers stall once a walk's day is past the calendar's first page (an open bug of the
    // test rig, noted on the issue), so they are kept out of the suite until it is fixed.
    exclude: process.env.FAULT_TESTS
      ? ['node_modules/**']
      : ['node_modules/**', 'tests/e2e/fault-{postgres,kill,botapi}.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    reporters: ['default', './tests/summary-reporter.ts'],
    testTimeout: 20_000,
    // expect.poll waits for something the product does on its own time; on a loaded 2-core CI
    // machine the 1 s default ran out before a first reply (a red run on an answer that came).
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
    pool: 'forks',
    // Browser and embedded-database tests are heavy: two workers fit the 2-core machines.
    maxWorkers: 2,
  },
});
