import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@pandora/source'] },
  ssr: { resolve: { conditions: ['@pandora/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One browser at a time: the machine has two cores.
    fileParallelism: false,
  },
})
