import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { json, startServer, uniqueMailbox } from '../../../test-support/server.js'
import type { PandoraServer } from './create-server.js'

let server: PandoraServer | undefined
afterEach(async () => server?.close())

/** A pino logger at `level` whose lines land in the returned list, parsed. */
function capture(level: string) {
  const lines: Record<string, unknown>[] = []
  const text: string[] = []
  const logger = pino(
    { level },
    {
      write(line: string) {
        text.push(line)
        lines.push(JSON.parse(line) as Record<string, unknown>)
      },
    },
  )
  return { logger, lines, text }
}

describe('logging', () => {
  it('request log - at debug, one line per request: method, route pattern, status, duration; never a token or a body', async () => {
    const log = capture('debug')
    server = await startServer({ logger: log.logger, token: 'secret-token-1234' })
    const box = uniqueMailbox()
    const sent = await json(
      `${server.url}/v1/messages`,
      'POST',
      { sender: 'a@test', receiver: box, fields: { card: 'private-value-42' } },
      { authorization: 'Bearer secret-token-1234' },
    )
    expect(sent.status).toBe(201)
    const line = log.lines.find((l) => l.msg === 'request' && l.route === '/v1/messages')
    expect(line).toMatchObject({ method: 'POST', status: '201' })
    expect(typeof line!.ms).toBe('number')
    const all = log.text.join('')
    expect(all).not.toContain('secret-token-1234')
    expect(all).not.toContain('private-value-42')
    expect(all).not.toContain(encodeURIComponent(box))
  })

  it('request log - nothing at info', async () => {
    const log = capture('info')
    server = await startServer({ logger: log.logger })
    await fetch(`${server.url}/healthz`)
    expect(log.lines.filter((l) => l.msg === 'request')).toEqual([])
  })

  it('refusals - a foreign origin is logged at warn once per window, with how many more were refused', async () => {
    const log = capture('info')
    server = await startServer({ logger: log.logger })
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/v1/mailboxes`, { headers: { origin: 'http://evil.example' } })
      expect(res.status).toBe(403)
    }
    const warns = log.lines.filter((l) => l.level === 40)
    expect(warns).toHaveLength(1)
    expect(warns[0]).toMatchObject({ code: 'origin_not_allowed', origin: 'http://evil.example' })
  })

  it('refusals - a WebSocket upgrade from a foreign origin is refused and logged at warn', async () => {
    const log = capture('info')
    server = await startServer({ logger: log.logger })
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`, 'pandora.v1', {
      origin: 'http://evil.example',
    })
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => resolve(101))
    })
    expect(status).toBe(403)
    expect(log.lines.filter((l) => l.level === 40)).toEqual([
      expect.objectContaining({ code: 'origin_not_allowed', route: '/v1/ws', origin: 'http://evil.example' }),
    ])
  })
})
