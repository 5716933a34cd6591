import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** Debian's Chromium (`apt-get install -y chromium`; `.ci/run` installs it). Never a downloaded one. */
export const CHROMIUM = '/usr/bin/chromium'

/** True when the browser tests can run here. */
export const haveChromium = existsSync(CHROMIUM)

/**
 * Browser tests skip with a message where Chromium is missing, but under `CI=true` a missing
 * Chromium fails the run: call this at the top of a browser test file.
 */
export function requireChromiumUnderCi(what: string): void {
  if (haveChromium) return
  if (process.env.CI === 'true') {
    throw new Error(`${CHROMIUM} is missing; CI must run ${what} (apt-get install -y chromium)`)
  }
  console.warn(`${what} skipped: ${CHROMIUM} is missing (apt-get install -y chromium to run it)`)
}

/** Headless Chromium with the flags that keep it quiet and local (no background networking). */
export function launchChromium(): Promise<Browser> {
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
