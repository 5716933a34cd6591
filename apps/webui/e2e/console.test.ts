import { mkdirSync } from 'node:fs'
import { MemoryStore } from '@pandora/core'
import { createServer } from '@pandora/server'
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { uniqueMailbox } from '../../../test-support/mailbox.js'
import { ARTIFACTS, apiSend, DIST, describeE2e, useConsoleServer } from './browser.js'

const mailbox = (tag: string) => uniqueMailbox(tag, 'e2e')

const count = (page: Page, state: string) => page.getByTestId(`count-${state}`).locator('.stat-value')

describeE2e('webui e2e', () => {
  const env = useConsoleServer()

  it('console - composes a message with a custom field, shows its mid, and flags an identical resend as duplicate', async () => {
    const page = await env.browser.newPage()
    const to = mailbox('compose')
    await page.goto(`${env.server.url}/#/compose`)
    await page.getByLabel('To', { exact: true }).fill(to)
    await page.getByLabel('Topic').fill('greeting')
    await page.getByLabel('Field 1 name').fill('color')
    await page.getByLabel('Field 1 value').fill('blue')
    await page.getByRole('button', { name: 'Send message' }).click()
    const result = page.getByTestId('send-result')
    await expect.poll(() => result.textContent()).toMatch(/Sent\./)
    const mid = (await page.getByTestId('sent-mid').textContent()) ?? ''
    expect(mid).toMatch(/^[0-9a-f]{40}$/)

    const stored = (await (await fetch(`${env.server.url}/v1/messages/${mid}`)).json()) as {
      fields: Record<string, string[]>
    }
    expect(stored.fields.color).toEqual(['blue'])
    expect(stored.fields.topic).toEqual(['greeting'])

    await page.getByRole('button', { name: 'Send message' }).click()
    await expect.poll(() => result.textContent()).toMatch(/Duplicate/)
    expect(await page.getByTestId('sent-mid').textContent()).toBe(mid)
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}/webui-compose.png`, fullPage: true })
    await page.close()
  })

  it('console - composes one message to several mailboxes with a priority: a result per recipient, one stored body', async () => {
    const page = await env.browser.newPage()
    const [a, b] = [mailbox('fan-a'), mailbox('fan-b')]
    await page.goto(`${env.server.url}/#/compose`)
    await page.getByLabel('To', { exact: true }).fill(a)
    await page.getByRole('button', { name: '+ Add recipient' }).click()
    await page.getByLabel('Also to 1').fill(b)
    await page.getByLabel('Priority').fill('99')
    await expect.poll(() => page.locator('#compose-priority-error').textContent()).toMatch(/-10/)
    await page.getByLabel('Priority').fill('7')
    await page.getByLabel('Topic').fill('shared')
    await page.getByRole('button', { name: 'Send message' }).click()
    const rows = page.getByTestId('recipient-result')
    await expect.poll(() => rows.count()).toBe(2)
    const texts = await rows.allTextContents()
    expect(texts[0]).toContain(a)
    expect(texts[1]).toContain(b)
    const mids = texts.map((t) => /[0-9a-f]{40}/.exec(t)?.[0])
    for (const [i, receiver] of [a, b].entries()) {
      const stored = (await (await fetch(`${env.server.url}/v1/messages/${mids[i]}`)).json()) as {
        receiver: string
        priority: number
        fields: Record<string, string[]>
      }
      expect(stored).toMatchObject({ receiver, priority: 7 })
      expect(stored.fields.receiver).toEqual([receiver])
      expect(stored.fields.topic).toEqual(['shared'])
    }
    // The mailbox view marks the message's priority, and its detail names it.
    const view = await env.browser.newPage({ viewport: { width: 1440, height: 900 } })
    await view.goto(`${env.server.url}/#/mailbox/${encodeURIComponent(a)}/${mids[0]}`)
    await expect.poll(() => view.getByTestId('priority-tag').first().textContent()).toBe('+7')
    await expect.poll(() => view.getByTestId('priority').textContent()).toMatch(/^7 \(before priority 0\)/)
    await view.close()
    // The same form again: every recipient's message is a duplicate.
    await page.getByRole('button', { name: 'Send message' }).click()
    await expect
      .poll(async () => (await rows.allTextContents()).every((t) => t.includes('duplicate')))
      .toBe(true)
    await page.close()
  })

  it('console - refuses an invalid mailbox and an oversized body as you type', async () => {
    const page = await env.browser.newPage()
    await page.goto(`${env.server.url}/#/compose`)
    await page.getByLabel('To', { exact: true }).fill('bad\tname')
    await expect.poll(() => page.locator('#compose-to-error').textContent()).toMatch(/printable/)
    await page.getByLabel('To', { exact: true }).fill(mailbox('size'))
    await page.getByLabel('Topic').fill('x'.repeat(5000))
    await expect.poll(() => page.getByTestId('size').textContent()).toMatch(/too big/)
    await page.close()
  })

  it('console - a mailbox view shows messages sent elsewhere live; detail, fetch and ack change the counts', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } })
    const box = mailbox('orders')
    const first = await apiSend(env.server, box, { topic: 'first', sku: 'A1' })
    await page.goto(`${env.server.url}/#/mailbox/${encodeURIComponent(box)}`)
    await page.locator(`tr[data-mid="${first}"]`).waitFor()
    await expect.poll(() => count(page, 'pending').textContent()).toBe('1')
    // A marker on window proves the next message arrives without a reload.
    await page.evaluate(() => Object.assign(window, { __noReload: true }))

    const second = await apiSend(env.server, box, { topic: 'second', sku: 'B2', qty: '3' })
    await page.locator(`tr[data-mid="${second}"]`).waitFor()
    expect(await page.evaluate(() => (window as { __noReload?: boolean }).__noReload)).toBe(true)
    await expect.poll(() => count(page, 'pending').textContent()).toBe('2')
    // Newest first.
    expect(await page.locator('tbody tr').first().getAttribute('data-mid')).toBe(second)

    await page.locator(`tr[data-mid="${second}"] a`).click()
    const detail = page.locator('aside.detail')
    await expect.poll(() => detail.textContent()).toContain('qty')
    expect(await detail.textContent()).toContain('B2')
    expect(await page.getByTestId('delivery-count').textContent()).toBe('0')

    // Fetch-and-lock takes the oldest due message.
    await page.getByRole('button', { name: 'Fetch & lock one' }).click()
    await page.getByText('You hold the lease').waitFor()
    expect(page.url()).toContain(first)
    await expect.poll(() => count(page, 'leased').textContent()).toBe('1')
    await expect.poll(() => count(page, 'pending').textContent()).toBe('1')
    // About a minute left: the clock-offset estimate may round a second or two up, never an hour.
    expect(await page.getByTestId('lease-remaining').textContent()).toMatch(/^(\d+s|1m 0[0-2]s)$/)
    await expect.poll(() => page.getByTestId('delivery-count').textContent()).toBe('1')
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}/webui-mailbox-leased.png`, fullPage: true })

    await page.getByRole('button', { name: 'Ack', exact: true }).click()
    await expect.poll(() => count(page, 'confirmed').textContent()).toBe('1')
    await expect.poll(() => count(page, 'leased').textContent()).toBe('0')
    expect(await count(page, 'pending').textContent()).toBe('1')
    await page.screenshot({ path: `${ARTIFACTS}/webui-mailbox.png`, fullPage: true })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: `${ARTIFACTS}/webui-mailbox-dark.png`, fullPage: true })
    await page.emulateMedia({ colorScheme: 'light' })

    // Purge asks first; cancelling keeps everything.
    await page.getByRole('button', { name: 'Purge…' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()
    expect(await count(page, 'pending').textContent()).toBe('1')
    await page.getByRole('button', { name: 'Purge…' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Purge mailbox' }).click()
    await page.getByText('No messages in this mailbox.').waitFor()
    await page.close()
  })

  it('console - a browser clock an hour fast still counts a lease down on the server clock', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } })
    // The page's clock runs an hour ahead of the server's: Date.now() and new Date() are shifted.
    await page.addInitScript(() => {
      const skew = 3_600_000
      const RealDate = Date
      class SkewedDate extends RealDate {
        constructor(...args: unknown[]) {
          if (args.length === 0) super(RealDate.now() + skew)
          else super(...(args as [string]))
        }
        static override now() {
          return RealDate.now() + skew
        }
      }
      globalThis.Date = SkewedDate as DateConstructor
    })
    const box = mailbox('skewed')
    const mid = await apiSend(env.server, box, { topic: 'skew' })
    await page.goto(`${env.server.url}/#/mailbox/${encodeURIComponent(box)}`)
    await page.locator(`tr[data-mid="${mid}"]`).waitFor()
    await page.getByRole('button', { name: 'Fetch & lock one' }).click()
    await page.getByText('You hold the lease').waitFor()
    // Uncorrected, the 1-minute lease would already look expired an hour ago and be let go of.
    expect(await page.getByTestId('lease-remaining').textContent()).toMatch(/^(\d+s|1m 0[0-2]s)$/)
    await expect.poll(() => page.locator(`tr[data-mid="${mid}"]`).textContent()).toContain('left')
    expect(await page.getByText('You hold the lease').isVisible()).toBe(true)
    await page.close()
  })

  it('console - a rejected message past its last delivery is dead, redrive makes it pending; a delayed send shows as delayed', async () => {
    const own = await createServer({
      store: new MemoryStore({ maxDeliveries: 1 }),
      port: 0,
      logger: false,
      webRoot: DIST,
    })
    const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } })
    try {
      const box = mailbox('dead')
      const mid = await apiSend(own, box, { topic: 'fragile' })
      await page.goto(`${own.url}/#/mailbox/${encodeURIComponent(box)}`)
      await page.locator(`tr[data-mid="${mid}"]`).waitFor()
      await page.getByRole('button', { name: 'Fetch & lock one' }).click()
      await page.getByText('You hold the lease').waitFor()
      await page.getByRole('button', { name: 'Reject', exact: true }).click()
      await expect.poll(() => count(page, 'dead').textContent()).toBe('1')
      await page.getByRole('button', { name: 'Redrive dead (1)' }).click()
      await expect.poll(() => count(page, 'pending').textContent()).toBe('1')
      expect(await count(page, 'dead').textContent()).toBe('0')

      await page.goto(`${own.url}/#/compose?to=${encodeURIComponent(box)}`)
      await page.getByLabel('Delay').fill('1h')
      await page.getByLabel('Topic').fill('later')
      await page.getByRole('button', { name: 'Send message' }).click()
      await expect.poll(() => page.getByTestId('send-result').textContent()).toMatch(/Sent\./)
      await page.getByTestId('sent-mid').click()
      await expect.poll(() => count(page, 'delayed').textContent()).toBe('1')
      await expect.poll(() => page.locator('tbody tr').first().textContent()).toMatch(/Delayed.*due in 59m/)
    } finally {
      await page.close()
      await own.close()
    }
  })

  it('console - the message view shows why it failed; the mailbox view shows and edits the retry policy', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } })
    try {
      const box = mailbox('failed')
      const mid = await apiSend(env.server, box, { topic: 'order 42' })
      const v1 = `${env.server.url}/v1`
      const post = (path: string, body: unknown) =>
        fetch(`${v1}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      const fetched = (await (await post(`/mailboxes/${encodeURIComponent(box)}/fetch`, {})).json()) as {
        messages: { lid: string }[]
      }
      const rejected = await post(`/messages/${mid}/reject`, {
        lid: fetched.messages[0]!.lid,
        reason: 'card declined by issuer',
        delay: 3_600_000,
      })
      expect(rejected.status).toBe(200)

      await page.goto(`${env.server.url}/#/mailbox/${encodeURIComponent(box)}/${mid}`)
      await expect
        .poll(() => page.getByTestId('failure-reason').textContent())
        .toBe('card declined by issuer')
      // Waiting out its reject delay, the row says delayed and when it is due, as the counts do.
      await expect
        .poll(() => page.locator(`tr[data-mid="${mid}"]`).textContent())
        .toMatch(/Delayed.*due in 59m/)

      const summary = page.getByTestId('policy-summary')
      await expect
        .poll(() => summary.textContent())
        .toMatch(/dead after 10 deliveries \(server default\); no backoff/)
      await page.getByRole('button', { name: 'Edit policy' }).click()
      const form = page.getByRole('form', { name: 'Edit retry policy' })
      await form.getByLabel('Max deliveries').fill('4')
      await form.getByLabel('Backoff').selectOption('exponential')
      await form.getByLabel('Base delay (ms)').fill('1000')
      await form.getByLabel('Longest delay (ms)').fill('60000')
      await form.getByRole('button', { name: 'Save policy' }).click()
      await expect
        .poll(() => summary.textContent())
        .toBe('dead after 4 deliveries; exponential backoff 1 s ×2 up to 60 s')
      const stored = (await (await fetch(`${v1}/mailboxes/${encodeURIComponent(box)}/policy`)).json()) as {
        policy: unknown
      }
      expect(stored.policy).toEqual({
        maxDeliveries: 4,
        backoff: { type: 'exponential', base: 1000, factor: 2, max: 60_000, jitter: 0 },
      })
      mkdirSync(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: `${ARTIFACTS}/webui-retry-policy.png`, fullPage: true })
    } finally {
      await page.close()
    }
  })

  it('console - shows a lost connection and recovers when the server is back', async () => {
    const own = await createServer({ store: new MemoryStore(), port: 0, logger: false, webRoot: DIST })
    const port = own.port
    const page = await env.browser.newPage()
    await page.goto(`${own.url}/#/`)
    await page.getByRole('heading', { level: 1, name: 'Mailboxes' }).waitFor()
    await own.close()
    await page.getByText('Connection lost.').waitFor({ timeout: 15_000 })
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}/webui-connection-lost.png` })
    const again = await createServer({ store: new MemoryStore(), port, logger: false, webRoot: DIST })
    try {
      await page.getByText('Connection restored').waitFor({ timeout: 15_000 })
    } finally {
      await page.close()
      await again.close()
    }
  })
})

describeE2e('webui e2e with a token', () => {
  const token = 'secret-token-123'
  const env = useConsoleServer({ token })

  it('console - asks for the token, refuses a wrong one, keeps the right one for the session only', async () => {
    const box = mailbox('secured')
    await apiSend(env.server, box, { topic: 'hidden' }, token)
    const page = await env.browser.newPage()
    await page.goto(`${env.server.url}/`)
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()

    await page.getByLabel('Access token').fill('wrong-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not accepted/)
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}/webui-sign-in.png` })

    await page.getByLabel('Access token').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('link', { name: box }).first().waitFor()
    expect(page.url()).not.toContain(token)
    expect(await page.evaluate(() => sessionStorage.getItem('pandora.token'))).toBe(token)

    // A reload keeps the session; signing out forgets the token.
    await page.reload()
    await page.getByRole('link', { name: box }).first().waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    expect(await page.evaluate(() => sessionStorage.getItem('pandora.token'))).toBeNull()
    await page.close()
  })
})
