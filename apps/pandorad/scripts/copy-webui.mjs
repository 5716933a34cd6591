// Ships the web console's built files inside pandorad (dist/webui), so `npm start` serves them.
import { cpSync, existsSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const target = join(here, '..', 'dist', 'webui')
let source
try {
  source = join(dirname(createRequire(import.meta.url).resolve('@pandora/webui/package.json')), 'dist')
} catch {
  source = join(here, '..', '..', 'webui', 'dist')
}
rmSync(target, { recursive: true, force: true })
if (existsSync(join(source, 'index.html'))) {
  cpSync(source, target, { recursive: true })
  console.log(`web console copied to ${target}`)
} else {
  console.warn(`web console not built (${source} has no index.html): pandorad will serve the APIs only`)
}
