import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@pandora/source'] },
  ssr: { resolve: { conditions: ['@pandora/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/*.case.test.ts', '**/node_modules/**'],
    testTimeout: 20_000,
  },
})
