import { defineConfig, type ViteUserConfig } from 'vitest/config'

type TestOptions = NonNullable<ViteUserConfig['test']>

/**
 * The vitest setup every workspace shares: tests import the workspace packages' TypeScript sources
 * (the `@pandora/source` export condition), so they need no build; store conformance cases
 * (`*.case.test.ts`) are imported by each store's test file, never collected on their own.
 */
export function pandoraTestConfig(test: TestOptions = {}) {
  return defineConfig({
    resolve: { conditions: ['@pandora/source'] },
    ssr: { resolve: { conditions: ['@pandora/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: ['**/*.case.test.ts', '**/node_modules/**', '**/dist/**'],
      testTimeout: 20_000,
      ...test,
    },
  })
}
