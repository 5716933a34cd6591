import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

// Workspace packages are bundled from their TypeScript source (the '@pandora/source' condition), so the
// console never needs them built first and never pulls a Node-only entry into the browser.

/** Where `npm run dev` sends API calls: a running pandorad. */
const target = process.env.PANDORA_URL ?? 'http://127.0.0.1:4003'

export default defineConfig({
  plugins: [preact()],
  // Relative asset URLs: the console also works behind a proxy that mounts pandorad under a path.
  base: './',
  resolve: { conditions: ['@pandora/source', 'browser', 'module', 'import', 'default'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: {
    proxy: {
      '/v1': { target, changeOrigin: true, ws: true },
      '/healthz': { target, changeOrigin: true },
    },
  },
})
