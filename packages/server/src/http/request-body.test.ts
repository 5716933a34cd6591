import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
afterEach(async () => server?.close())

/** A pino logger at debug level whose lines land in `lines`. */
function captureLogger() {
  const lines: { level: number; msg: string }[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return { logger: pino({ level: 'debug' }, stream), lines }
}

const countLine = (text: string, status: string) =>
  text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('pandora_http_request_duration_seconds_count') &&
        l.includes('route="/v1/messages"') &&
        l.includes(`status="${status}"`),
    )

describe('request body', () => {
  it('client abort - a client that drops a chunked body mid-way is no error: no error log, counted as 499', async () => {
    const { logger, lines } = captureLogger()
    server = await startServer({ logger })
    const socket = connect(server.port, '127.0.0.1')
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    // Expect: 100-continue makes the server answer "100 Continue" as it hands the request to its
    // handler: from then on the handler is reading the body.
    const continued = new Promise<void>((resolve) => socket.once('data', () => resolve()))
    socket.write(
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\n` +
        'Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n',
    )
    await continued
    socket.write('8\r\n{"sender\r\n')
    socket.destroy()
    const metrics = async () => (await fetch(`${server.url}/metrics`)).text()
    await expect.poll(async () => countLine(await metrics(), '499') ?? '', { timeout: 5000 }).toMatch(/ 1$/)
    const text = await metrics()
    expect(countLine(text, '500')).toBeUndefined()
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
  })
})
