import type { AddressInfo } from 'node:net'
import type { ServerFrame } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { type FrameSink, SocketWriter } from './socket-writer.js'

const pong = (n: number): ServerFrame => ({ type: 'pong', ref: `r${n}` })

/** A fake ws socket that records every call in order, with a corkable `_socket` like ws's. */
function fakeSocket(open = true) {
  const calls: string[] = []
  const ws = {
    OPEN: 1,
    readyState: open ? 1 : 3,
    send: (data: string) => calls.push(`send ${JSON.parse(data).ref}`),
    _socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') },
  }
  return { ws: ws as unknown as FrameSink, calls }
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve))

describe('socket writer', () => {
  it('socket writer - frames of one tick are sent between one cork and one uncork', async () => {
    const { ws, calls } = fakeSocket()
    const writer = new SocketWriter(ws)
    for (let i = 0; i < 3; i++) writer.send(pong(i))
    expect(calls).toEqual(['cork', 'send r0', 'send r1', 'send r2'])
    await nextTick()
    expect(calls).toEqual(['cork', 'send r0', 'send r1', 'send r2', 'uncork'])
    writer.send(pong(3))
    await nextTick()
    expect(calls.slice(5)).toEqual(['cork', 'send r3', 'uncork'])
  })

  it('socket writer - a socket that is not open gets nothing, not even a cork', async () => {
    const { ws, calls } = fakeSocket(false)
    expect(new SocketWriter(ws).send(pong(0))).toBe(false)
    await nextTick()
    expect(calls).toEqual([])
  })

  describe('on a real ws socket', () => {
    let wss: WebSocketServer | undefined
    let client: WebSocket | undefined
    afterEach(async () => {
      client?.terminate()
      await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()))
    })

    it('socket writer - a burst of frames reaches the TCP socket in one write (fails if corking stops)', async () => {
      wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
      await new Promise<void>((resolve) => wss!.once('listening', () => resolve()))
      const accepted = new Promise<WebSocket>((resolve) => wss!.once('connection', resolve))
      client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
      const server = await accepted

      // ws keeps the net.Socket in `_socket`; count what reaches it. Corked writes leave in one
      // `_writev` at uncork; uncorked, each frame is a write (or a writev of its header and data).
      const tcp = (server as unknown as { _socket: { _write: unknown; _writev: unknown } })._socket
      const writes = { write: 0, writev: 0, chunks: 0 }
      const write = tcp._write as (...args: unknown[]) => void
      const writev = tcp._writev as (chunks: unknown[], ...rest: unknown[]) => void
      tcp._write = function (this: unknown, ...args: unknown[]) {
        writes.write++
        return write.apply(this, args)
      }
      tcp._writev = function (this: unknown, chunks: unknown[], ...rest: unknown[]) {
        writes.writev++
        writes.chunks += chunks.length
        return writev.call(this, chunks, ...rest)
      }

      const n = 20
      const received: string[] = []
      const all = new Promise<void>((resolve) =>
        client!.on('message', (data) => {
          received.push(JSON.parse(String(data)).ref)
          if (received.length === n) resolve()
        }),
      )
      const writer = new SocketWriter(server)
      expect(writer.canCork).toBe(true)
      for (let i = 0; i < n; i++) writer.send(pong(i))
      await all

      expect(received).toEqual(Array.from({ length: n }, (_, i) => `r${i}`))
      expect(writes.write).toBe(0)
      expect(writes.writev).toBe(1)
      expect(writes.chunks).toBeGreaterThanOrEqual(n)
    })
  })
})
