import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
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

// A page of another origin (another port on 127.0.0.1) that loads the bundle and uses a server.
const foreignPage = `<!doctype html>
<meta charset="utf-8">
<title>pandora from elsewhere</title>
<script type="module">
  import { PandoraClient, PandoraError } from './pandora-client.browser.js'
  const plain = (e) => ({ name: e?.name, code: e?.code, status: e?.status, typed: e instanceof PandoraError })
  window.tryServer = (url, box) => new Promise((resolve) => {
    window.subscribed = false
    const pandora = new PandoraClient({ url, reconnect: { initialDelay: 50, maxDelay: 200 } })
    const states = []
    const errors = []
    pandora.on('state', (s) => states.push(s))
    pandora.on('error', (e) => errors.push(plain(e)))
    const sub = pandora.subscribe(box, async (msg) => {
      resolve({ outcome: 'message', sku: msg.fields.get('sku'), states, errors })
      queueMicrotask(() => pandora.close())
    })
    sub.ready.then(
      () => { window.subscribed = true },
      async (e) => {
        const info = await pandora.info().then(() => 'answered', plain)
        resolve({ outcome: 'refused', ready: plain(e), errors, states, info })
      },
    )
  })
  window.loaded = true
</script>`

/** Serves the page and the bundle from an origin of its own. */
async function servePage(): Promise<{ origin: string; close: () => Promise<void> }> {
  const files: Record<string, [string, string | Buffer]> = {
    '/index.html': ['text/html; charset=utf-8', foreignPage],
    '/pandora-client.browser.js': ['text/javascript', readFileSync(bundle)],
  }
  const server: Server = createHttpServer((req, res) => {
    const file = files[req.url ?? '']
    if (!file) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': file[0] }).end(file[1])
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe.skipIf(!haveChromium)('browser, another origin', () => {
  let browser: Browser
  let page: Awaited<ReturnType<typeof servePage>>
  const servers: PandoraServer[] = []

  beforeAll(async () => {
    if (!existsSync(bundle)) execFileSync('npx', ['tsup'], { cwd: packageDir, stdio: 'ignore' })
    page = await servePage()
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all(servers.map((s) => s.close()))
    await page?.close()
  })

  const start = async (allowedOrigins: string[]) => {
    const server = await createServer({
      store: new MemoryStore(),
      port: 0,
      host: '127.0.0.1',
      logger: false,
      allowedOrigins,
    })
    servers.push(server)
    return server
  }

  it('browser - a page of another origin is refused with a final, typed origin_not_allowed, then served once allowed', async () => {
    const tab = await browser.newPage()
    const problems: string[] = []
    tab.on('pageerror', (e) => problems.push(String(e)))
    await tab.goto(`${page.origin}/index.html`)
    await tab.waitForFunction(() => (window as unknown as { loaded?: boolean }).loaded === true)
    type Outcome = Record<string, unknown>
    const tryServer = (url: string, box: string) =>
      tab.evaluate(
        ([u, b]) =>
          (window as unknown as { tryServer: (u: string, b: string) => Promise<Outcome> }).tryServer(
            u as string,
            b as string,
          ),
        [url, box],
      )

    // Same host, another port: another origin. Not listed, so refused.
    const closed = await start([])
    const refused = { name: 'PandoraError', code: 'origin_not_allowed', status: 403, typed: true }
    expect(await tryServer(closed.url, `refused-${Date.now().toString(36)}@client-test`)).toEqual({
      outcome: 'refused',
      ready: refused,
      errors: [refused],
      states: ['connecting', 'failed'],
      info: refused,
    })

    // The same page, with its origin allowed: it subscribes and a message is pushed to it.
    const open = await start([page.origin])
    const box = `allowed-${Date.now().toString(36)}@client-test`
    const received = tryServer(open.url, box)
    await tab.waitForFunction(() => (window as unknown as { subscribed?: boolean }).subscribed === true)
    await new PandoraClient({ url: open.url, from: 'node@client-test' }).send(box, { sku: 'C3' })
    expect(await received).toEqual({
      outcome: 'message',
      sku: 'C3',
      states: ['connecting', 'open'],
      errors: [],
    })
    expect(problems).toEqual([])
    await tab.close()
  })
})
