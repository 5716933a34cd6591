#!/usr/bin/env node
// Launcher committed to the repo so npm can link the bin at install time; the code lives in dist/.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))
if (!existsSync(main)) {
  console.error(
    'pandorad is not built yet: run `npm run build` at the repository root (or `npm start`, which builds).',
  )
  process.exit(1)
}
await import(main)
