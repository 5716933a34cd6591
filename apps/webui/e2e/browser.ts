import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'

/** Debian's Chromium, which the end-to-end tests drive headless. */
export const CHROMIUM = '/usr/bin/chromium'
/** The built console; the end-to-end tests serve it through a real server. */
export const DIST = fileURLToPath(new URL('../dist', import.meta.url))
/** Where screenshots go: `test-artifacts/` at the repository root (ignored by git). */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts', import.meta.url))

/** Why the end-to-end tests cannot run here, or undefined when they can. Under CI they must run. */
export function missingPrerequisite(): string | undefined {
  if (!existsSync(CHROMIUM)) {
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
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
