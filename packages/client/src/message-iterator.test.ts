import { describe, expect, it } from 'vitest'
import type { MailboxSubscription, MessageHandler } from './mailbox-subscription.js'
import { Message } from './message.js'
import { messageStream } from './message-iterator.js'
import { wireMessage } from './testing/fake-server.js'

const noOps = {
  ack: async () => {},
  reject: async () => {},
  renew: async (_mid: string, _lid: string, ms: number) => new Date(Date.now() + ms),
}

/** A stand-in subscription: the test pushes messages through its handler and closes it. */
function fakeSubscription() {
  let handler: MessageHandler = () => {}
  let closeCalls = 0
  let resolveClosing!: () => void
  const closing = new Promise<void>((resolve) => {
    resolveClosing = resolve
  })
  const sub = {
    closed: false,
    closing,
    close: async () => {
      closeCalls++
      sub.closed = true
      resolveClosing()
    },
  }
  return {
    subscription: sub as unknown as MailboxSubscription,
    subscribe: (h: MessageHandler) => {
      handler = h
      return sub as unknown as MailboxSubscription
    },
    push: (mid: string) => handler(new Message(wireMessage({ mid }), noOps)),
    get closeCalls() {
      return closeCalls
    },
  }
}

describe('message iterator', () => {
  it('message iterator - yields queued and later messages in arrival order', async () => {
    const fake = fakeSubscription()
    const stream = messageStream(fake.subscribe)
    expect(stream.subscription).toBe(fake.subscription)
    fake.push('a'.repeat(40))
    const seen: string[] = []
    const iterator = stream[Symbol.asyncIterator]()
    seen.push((await iterator.next()).value.mid)
    const later = iterator.next()
    fake.push('b'.repeat(40))
    seen.push((await later).value.mid)
    expect(seen).toEqual(['a'.repeat(40), 'b'.repeat(40)])
    await iterator.return?.()
    expect(fake.closeCalls).toBe(1)
  })

  it('message iterator - leaving the loop closes the subscription', async () => {
    const fake = fakeSubscription()
    const stream = messageStream(fake.subscribe)
    fake.push('c'.repeat(40))
    fake.push('d'.repeat(40))
    for await (const msg of stream) {
      expect(msg.mid).toBe('c'.repeat(40))
      break
    }
    expect(fake.subscription.closed).toBe(true)
  })

  it('message iterator - the loop ends when the subscription closes, after the messages already queued', async () => {
    const fake = fakeSubscription()
    const stream = messageStream(fake.subscribe)
    fake.push('e'.repeat(40))
    const seen: string[] = []
    const loop = (async () => {
      for await (const msg of stream) {
        seen.push(msg.mid)
        void fake.subscription.close()
      }
    })()
    await loop
    expect(seen).toEqual(['e'.repeat(40)])
  })
})
