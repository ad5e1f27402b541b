import { configDefaults, defineConfig } from 'vitest/config';

// The fast lane (`npm run test:unit`): pure logic, no hub process, no browser; seconds in all.
const unit = [
  'packages/*/test/unit/**/*.test.ts',
  'apps/*/test/unit/**/*.test.ts',
  'test/unit/**/*.test.ts',
  'packages/protocol/test/**/*.test.ts',
  'packages/conformance/test/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: process-spawning suites run in parallel files but not too many at once.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      {
        extends: true,
        test: {
          // Everything else: suites that start hubs, the conformance suites, the dashboard in Chromium.
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...unit],
        },
      },
    ],
  },
});
