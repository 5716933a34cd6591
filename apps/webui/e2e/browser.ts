import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MemoryStore } from '@pandora/core'
import { createServer, type PandoraServer } from '@pandora/server'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
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

const inCi = process.env.CI === 'true'

/**
 * `describe` for end-to-end tests: skipped with a warning where Chromium is missing, except under
 * CI, where the block runs and its set-up fails with the reason (a missing browser is never a
 * silent skip there).
 */
export function describeE2e(name: string, body: () => void): void {
  const missing = missingPrerequisite()
  if (missing && !inCi) console.warn(`${name} skipped: ${missing}`)
  describe.skipIf(missing !== undefined && !inCi)(name, body)
}

/** What {@link useConsoleServer} provides to the tests of its block, once its set-up ran. */
export interface ConsoleFixture {
  /** A server on a fresh memory store, serving the built console. */
  readonly server: PandoraServer
  readonly browser: Browser
}

/**
 * Inside a {@link describeE2e} block: one server (memory store, the built console, `token` if
 * given) and one browser for the block's tests, started before them and closed after.
 */
export function useConsoleServer(options: { token?: string } = {}): ConsoleFixture {
  const fixture = {} as { server: PandoraServer; browser: Browser }
  beforeAll(async () => {
    const missing = missingPrerequisite()
    if (missing) throw new Error(`webui e2e cannot run under CI: ${missing}`)
    assertBuilt()
    fixture.server = await createServer({
      store: new MemoryStore(),
      port: 0,
      logger: false,
      webRoot: DIST,
      ...options,
    })
    fixture.browser = await launchBrowser()
  })
  afterAll(async () => {
    await fixture.browser?.close()
    await fixture.server?.close()
  })
  return fixture
}

/** Sends a message through the JSON API, as another program would; returns its mid. */
export async function apiSend(
  server: PandoraServer,
  receiver: string,
  fields: Record<string, string>,
  token?: string,
): Promise<string> {
  const res = await fetch(`${server.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ receiver, sender: 'outside@e2e', fields }),
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { mid: string }).mid
}
