import { defineConfig } from 'vitest/config';

// Tiers by file suffix: *.unit.test.ts, *.integration.test.ts, *.e2e.test.ts.
// `npm test` runs all of them; `npm run test:unit` etc. run one tier.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'connectors/**/*.test.ts', 'src/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // In CI also a JSON report, from which .ci/run prints the plain 'N passed, N failed' line.
    reporters: process.env['CI']
      ? ['default', ['json', { outputFile: '.vitest-results.json' }]]
      : ['default'],
  },
});
