import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Files run one at a time. The embedded engine runs every connection on one PGlite session and
    // its socket server can interleave two connections' parameterised queries (docs/security.md,
    // "Embedded engine caveat"). On PostgreSQL every file shares one database, and several files
    // check table-wide counts before and after a refused write; two files at once made those
    // checks see each other's rows (a CI run failed on 3010 ≠ 3009). Concurrency itself is tested
    // inside files (tests/api/concurrency.test.ts, isolation.test.ts: many connections at once).
    fileParallelism: false,
    maxWorkers: 2,
  },
})
