import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'
import { connectionTimeouts } from './connection-timeouts.js'

let server: PandoraServer
afterEach(async () => server?.close())

/** Connects, writes `text`, and resolves with everything the server sent until it closed, and when. */
async function sendAndWaitForClose(port: number, text: string): Promise<{ reply: string; elapsed: number }> {
  const started = performance.now()
  const socket = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  socket.write(text)
  await new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return { reply: Buffer.concat(chunks).toString(), elapsed: performance.now() - started }
}

describe('connection timeouts', () => {
  it('slow headers - a client that never finishes its headers gets a 408 once the headers timeout passes', async () => {
    const headersTimeoutMs = 300
    server = await startServer({ headersTimeoutMs })
    const { reply, elapsed } = await sendAndWaitForClose(
      server.port,
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Slow: `,
    )
    expect(reply).toMatch(/^HTTP\/1\.1 408 /)
    expect(reply).toMatch(/request_timeout/)
    const { connectionsCheckingInterval } = connectionTimeouts({ headersTimeoutMs })
    expect(elapsed).toBeGreaterThanOrEqual(headersTimeoutMs - 10)
    // Node checks the timeouts every connectionsCheckingInterval: the cut comes within one more check.
    expect(elapsed).toBeLessThan(headersTimeoutMs + connectionsCheckingInterval + 500)
  })

  it('slow body - a client that never finishes its body gets a 408 once the request timeout passes', async () => {
    server = await startServer({ headersTimeoutMs: 200, requestTimeoutMs: 400 })
    const { reply } = await sendAndWaitForClose(
      server.port,
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sender"`,
    )
    expect(reply).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('timeouts - the defaults are the documented 10 s for headers and 30 s for the request, checked every second', () => {
    expect(connectionTimeouts({})).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 1000,
    })
    expect(() => connectionTimeouts({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).toThrow(
      /requestTimeoutMs/,
    )
  })

  it('bad request - garbage is still answered with 400', async () => {
    server = await startServer()
    const { reply } = await sendAndWaitForClose(server.port, 'NOT HTTP AT ALL\r\n\r\n')
    expect(reply).toMatch(/^HTTP\/1\.1 400 /)
  })
})
