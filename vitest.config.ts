import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: API files share one seeded database; the browser test needs the other core.
    fileParallelism: true,
    maxWorkers: 2,
  },
})
