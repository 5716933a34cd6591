import { defineConfig } from 'tsup'

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
    // One file for a <script type="module">: @pandora/core/protocol and zod/mini inside, nothing of
    // Node. Its size budget is in .size-limit.json, checked by `npm test`.
    entry: { 'pandora-client.browser': 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    noExternal: [/.*/],
    minify: true,
    sourcemap: true,
    outExtension: () => ({ js: '.js' }),
  },
])
