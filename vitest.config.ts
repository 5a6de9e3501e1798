import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // The embedded engine runs every connection on one PGlite session and its socket server can
    // interleave two connections' parameterised queries (docs/security.md, "Embedded engine
    // caveat"): files run one at a time there; on PostgreSQL two at once.
    fileParallelism: !!process.env.TEST_DATABASE_URL,
    maxWorkers: 2,
  },
})
