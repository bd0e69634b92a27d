import { defineConfig } from 'vitest/config'

/**
 * `npm run test:reliability`: long runs that kill x2d365 at many points and check what it leaves (not part of
 * `npm test`). Sizes and seeds through RELIABILITY_RECORDS, RELIABILITY_KILLS, RELIABILITY_SEED.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 3 * 60 * 60_000,
    hookTimeout: 10 * 60_000,
    pool: 'forks',
    reporters: ['verbose'],
  },
})
