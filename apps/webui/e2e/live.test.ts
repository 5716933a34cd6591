import type { Page, WebSocketRoute } from 'playwright-core'
import { expect, it } from 'vitest'
import { uniqueMailbox } from '../../../test-support/mailbox.js'
import { apiSend, describeE2e, useConsoleServer } from './browser.js'

const mailbox = (tag: string) => uniqueMailbox(tag, 'e2e')

const mode = (page: Page) => page.getByTestId('live-mode').getAttribute('data-mode')
const sidebarPending = (page: Page, box: string) =>
  page.locator('.sidebar-list a', { hasText: box }).locator('.pill').last().textContent()

/** The page's HTTP requests (the WebSocket's frames are not requests), from now on. */
function recordRequests(page: Page): string[] {
  const urls: string[] = []
  page.on('request', (r) => urls.push(`${r.method()} ${new URL(r.url()).pathname}`))
  return urls
}

describeE2e('webui e2e: the live console', () => {
  const env = useConsoleServer()

  it('live - an idle console makes no HTTP requests, and a message sent from outside appears by push, not by polling', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } })
    try {
      const box = mailbox('live')
      const first = await apiSend(env.server, box, { topic: 'first' })
      const opening = recordRequests(page)
      await page.goto(`${env.server.url}/#/mailbox/${encodeURIComponent(box)}`)
      await page.locator(`tr[data-mid="${first}"]`).waitFor()
      await expect.poll(() => mode(page)).toBe('live')
      // Settled: the loads that going live asked for are done.
      await page.waitForLoadState('networkidle')
      // Going live cost one reload of the list (the snapshot's) and none of the counts (the
      // snapshot carries them): the list's first load and that one; the boot's token check and the
      // counts' first load.
      const count = (request: string) => opening.filter((r) => r === request).length
      expect(count(`GET /v1/mailboxes/${encodeURIComponent(box)}/headers`)).toBe(2)
      expect(count('GET /v1/mailboxes')).toBe(2)

      const idle = recordRequests(page)
      // Absence over time can only be watched, not awaited: a few seconds, where polling made 4–6 requests.
      await page.waitForTimeout(3000)
      expect(idle).toEqual([])

      const second = await apiSend(env.server, box, { topic: 'second' })
      // With no poll to wait for: the stream told the page. (How fast is the bench's business; a
      // wall-clock budget here only fails on a loaded machine.)
      await page.locator(`tr[data-mid="${second}"]`).waitFor()
      await expect.poll(() => sidebarPending(page, box)).toBe('2 pending')
      // What it asked for was this mailbox's list, once the stream named it; nothing on a timer.
      expect(idle.every((r) => r === `GET /v1/mailboxes/${encodeURIComponent(box)}/headers`)).toBe(true)
    } finally {
      await page.close()
    }
  })

  it('live - with the stream refused the console polls, says so, and still shows a message sent from outside', async () => {
    const page = await env.browser.newPage()
    try {
      // A server (or a proxy) that refuses the stream: the socket works, the watch is answered forbidden.
      await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
        const upstream = ws.connectToServer()
        ws.onMessage((message) => {
          const frame = JSON.parse(String(message)) as { type: string; ref?: string }
          if (frame.type === 'watch')
            ws.send(
              JSON.stringify({ type: 'error', ref: frame.ref, code: 'forbidden', message: 'no stream here' }),
            )
          else upstream.send(message)
        })
      })
      const box = mailbox('refused')
      await page.goto(`${env.server.url}/#/mailbox/${encodeURIComponent(box)}`)
      await expect.poll(() => mode(page)).toBe('polling')
      expect(await page.getByTestId('live-mode').getAttribute('title')).toMatch(/refused.*no stream here/)
      const requests = recordRequests(page)
      const mid = await apiSend(env.server, box, { topic: 'polled' })
      await page.locator(`tr[data-mid="${mid}"]`).waitFor({ timeout: 10_000 })
      await expect.poll(() => sidebarPending(page, box), { timeout: 10_000 }).toBe('1 pending')
      // Both came by polling: the list and the counts.
      expect(requests).toContain(`GET /v1/mailboxes/${encodeURIComponent(box)}/headers`)
      expect(requests).toContain('GET /v1/mailboxes')
    } finally {
      await page.close()
    }
  })

  it('live - when the socket drops the console polls, and goes live again once it reconnects', async () => {
    const page = await env.browser.newPage()
    try {
      const sockets: WebSocketRoute[] = []
      await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
        ws.connectToServer()
        sockets.push(ws)
      })
      const box = mailbox('drop')
      await page.goto(`${env.server.url}/#/mailbox/${encodeURIComponent(box)}`)
      await expect.poll(() => mode(page)).toBe('live')
      await sockets.at(-1)!.close({ code: 1011, reason: 'dropped by the test' })
      await expect.poll(() => mode(page)).toBe('polling')
      await expect.poll(() => mode(page)).toBe('live')
      expect(sockets.length).toBe(2)
      await page.waitForLoadState('networkidle')
      const requests = recordRequests(page)
      const mid = await apiSend(env.server, box, { topic: 'after' })
      await page.locator(`tr[data-mid="${mid}"]`).waitFor()
      // Live again means pushed again: only the list the stream named was asked for, no counts poll.
      expect(requests.every((r) => r === `GET /v1/mailboxes/${encodeURIComponent(box)}/headers`)).toBe(true)
    } finally {
      await page.close()
    }
  })
})
