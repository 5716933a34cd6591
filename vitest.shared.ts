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
      // expect.poll waits for an event we cannot subscribe to (a page's state, a scrape); its 1 s
      // default is a timing budget that a loaded CI machine misses (a console took >1 s to go live
      // in CI). Polls end as soon as they pass, so a long ceiling costs nothing when all is well.
      expect: { poll: { timeout: 10_000 } },
      ...test,
    },
  })
}
