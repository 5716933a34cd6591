import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CHROMIUM, haveChromium, launchChromium } from '../../../test-support/chromium.js'

/** The built console; the end-to-end tests serve it through a real server. */
export const DIST = fileURLToPath(new URL('../dist', import.meta.url))
/** Where screenshots go: `test-artifacts/` at the repository root (ignored by git). */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts', import.meta.url))

/** Why the end-to-end tests cannot run here, or undefined when they can. Under CI they must run. */
export function missingPrerequisite(): string | undefined {
  if (!haveChromium) {
    return `no Chromium at ${CHROMIUM} (install it: apt-get install -y chromium)`
  }
  return undefined
}

/** Fails with a clear message when the console was not built (turbo's test task builds it first). */
export function assertBuilt(): void {
  if (!existsSync(`${DIST}/index.html`)) {
    throw new Error(
      `apps/webui/dist is missing: run \`npm run build -w @pandora/webui\` before the end-to-end tests`,
    )
  }
}

/** Starts headless Chromium with the flags that keep it quiet and local. */
export const launchBrowser = launchChromium
