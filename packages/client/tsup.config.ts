import { defineConfig, type Options } from 'tsup'

type Plugin = NonNullable<Options['esbuildPlugins']>[number]

/**
 * zod re-exports every translation of its messages as `z.locales` (about 260 kB); the SDK uses
 * only the English default, which zod imports on its own. Leaving the barrel out keeps the browser
 * file small.
 */
const withoutZodLocales: Plugin = {
  name: 'without-zod-locales',
  setup(build) {
    build.onResolve({ filter: /locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'empty' } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {}', loader: 'js' }))
  },
}

export default defineConfig([
  {
    // The package entries: `index` is browser-safe; `node` adds the `ws` fallback.
    entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    // @pandora/core (and zod through it) must be a dependency of the published package: see README.
    external: ['ws', '@pandora/core'],
  },
  {
    // One file for a <script type="module">: @pandora/core and zod inside, nothing of Node.
    entry: { 'pandora-client.browser': 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    noExternal: [/.*/],
    minify: true,
    sourcemap: true,
    outExtension: () => ({ js: '.js' }),
    esbuildPlugins: [withoutZodLocales],
  },
])
