import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MemoryStore } from '@pandora/core'
// The browser test drives Chromium from Node: it lives outside src/, where Node built-ins are banned.
import { createServer, type PandoraServer } from '@pandora/server'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium, launchChromium, requireChromiumUnderCi } from '../../../test-support/chromium.js'
import { PandoraClient } from '../src/index.js'

requireChromiumUnderCi('the browser test')

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const bundle = join(packageDir, 'dist', 'pandora-client.browser.js')

const page = `<!doctype html>
<meta charset="utf-8">
<title>pandora browser test</title>
<script type="module">
  import { PandoraClient } from './pandora-client.browser.js'
  window.receiveOne = (url, box) => new Promise((resolve, reject) => {
    const pandora = new PandoraClient({ url })
    const states = []
    pandora.on('state', (s) => states.push(s))
    const sub = pandora.subscribe(box, async (msg) => {
      resolve({ mid: msg.mid, sku: msg.fields.get('sku'), deliveryCount: msg.deliveryCount, states })
    }, { onError: reject })
    sub.ready.then(() => { window.subscribed = true })
    window.closeClient = () => pandora.close()
  })
  window.loaded = true
</script>`

describe.skipIf(!haveChromium)('browser', () => {
  let server: PandoraServer
  let browser: Browser
  let webRoot: string

  beforeAll(async () => {
    // Tests run the built file; build it when a plain `vitest run` comes before any build.
    if (!existsSync(bundle)) execFileSync('npx', ['tsup'], { cwd: packageDir, stdio: 'ignore' })
    webRoot = mkdtempSync(join(tmpdir(), 'pandora-browser-'))
    copyFileSync(bundle, join(webRoot, 'pandora-client.browser.js'))
    writeFileSync(join(webRoot, 'index.html'), page)
    server = await createServer({
      store: new MemoryStore(),
      port: 0,
      host: '127.0.0.1',
      logger: false,
      webRoot,
    })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (webRoot) rmSync(webRoot, { recursive: true, force: true })
  })

  it('browser - the bundle subscribes in Chromium, receives a pushed message and acks it', async () => {
    const tab = await browser.newPage()
    const problems: string[] = []
    tab.on('pageerror', (e) => problems.push(String(e)))
    await tab.goto(`${server.url}/index.html`)
    await tab.waitForFunction(() => (window as unknown as { loaded?: boolean }).loaded === true)
    const box = `browser-${Date.now().toString(36)}@client-test`
    const received = tab.evaluate(
      ([url, b]) =>
        (
          window as unknown as { receiveOne: (u: string, b: string) => Promise<Record<string, unknown>> }
        ).receiveOne(url as string, b as string),
      [server.url, box],
    )
    await tab.waitForFunction(() => (window as unknown as { subscribed?: boolean }).subscribed === true)
    const sender = new PandoraClient({ url: server.url, from: 'node@client-test' })
    const { mid } = await sender.send(box, { sku: 'B2' })
    expect(await received).toMatchObject({ mid, sku: 'B2', deliveryCount: 1, states: ['connecting', 'open'] })
    await tab.evaluate(() => (window as unknown as { closeClient: () => Promise<void> }).closeClient())
    expect((await sender.getMessage(mid)).statusName).toBe('confirmed')
    expect(problems).toEqual([])
    await tab.close()
  })
})
