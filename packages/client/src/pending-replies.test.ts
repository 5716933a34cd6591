import { PandoraError } from '@pandora/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PendingReplies } from './pending-replies.js'
import type { Transport } from './transport.js'

function recordingTransport(): Transport & { sent: Record<string, unknown>[] } {
  const sent: Record<string, unknown>[] = []
  return {
    sent,
    connect: async () => {},
    send: (data) => void sent.push(JSON.parse(data) as Record<string, unknown>),
    close: () => {},
  }
}

describe('pending replies', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('pending replies - each request gets its own ref and is settled by the frame carrying it', async () => {
    const replies = new PendingReplies(1000)
    const transport = recordingTransport()
    const first = replies.send(transport, { type: 'ping' })
    const second = replies.send(transport, { type: 'unsubscribe', sub: 's1' })
    const [a, b] = transport.sent
    expect(a?.ref).not.toBe(b?.ref)
    expect(replies.settle({ type: 'unsubscribed', sub: 's1', ref: b?.ref as string })).toBe(true)
    expect(replies.settle({ type: 'pong', ref: a?.ref as string })).toBe(true)
    await expect(first).resolves.toMatchObject({ type: 'pong' })
    await expect(second).resolves.toMatchObject({ type: 'unsubscribed' })
    expect(replies.size).toBe(0)
  })

  it('pending replies - an error frame rejects its request with the server code', async () => {
    const replies = new PendingReplies(1000)
    const transport = recordingTransport()
    const reply = replies.send(transport, { type: 'ack', mid: 'm', lid: 'l' })
    const ref = transport.sent[0]?.ref as string
    replies.settle({ type: 'error', ref, code: 'unable_to_change_status', message: 'lease lost' })
    await expect(reply).rejects.toMatchObject({ code: 'unable_to_change_status' })
  })

  it('pending replies - a frame without a known ref answers nothing', () => {
    const replies = new PendingReplies(1000)
    replies.send(recordingTransport(), { type: 'ping' }).catch(() => {})
    expect(replies.settle({ type: 'pong', ref: 'nope' })).toBe(false)
    expect(replies.settle({ type: 'pong' })).toBe(false)
    expect(replies.size).toBe(1)
  })

  it('pending replies - no reply within the timeout rejects with timeout and forgets the request', async () => {
    vi.useFakeTimers()
    const replies = new PendingReplies(500)
    const reply = replies.send(recordingTransport(), { type: 'ping' })
    const outcome = expect(reply).rejects.toMatchObject({ code: 'timeout' })
    await vi.advanceTimersByTimeAsync(499)
    expect(replies.size).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    await outcome
    expect(replies.size).toBe(0)
  })

  it('pending replies - a transport that cannot send rejects with connection_lost at once', async () => {
    const replies = new PendingReplies(1000)
    const broken: Transport = {
      connect: async () => {},
      send: () => {
        throw new Error('socket closed')
      },
      close: () => {},
    }
    await expect(replies.send(broken, { type: 'ping' })).rejects.toMatchObject({ code: 'connection_lost' })
    expect(replies.size).toBe(0)
  })

  it('pending replies - rejectAll fails every waiting request with the given error', async () => {
    const replies = new PendingReplies(1000)
    const transport = recordingTransport()
    const all = [replies.send(transport, { type: 'ping' }), replies.send(transport, { type: 'ping' })]
    const lost = new PandoraError('connection_lost', 'dropped')
    replies.rejectAll(lost)
    for (const reply of all) await expect(reply).rejects.toBe(lost)
    expect(replies.size).toBe(0)
  })
})
