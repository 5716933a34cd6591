import type { MailboxSubscription, MessageHandler } from './mailbox-subscription.js'
import type { Message } from './message.js'

/** An async iterable of pushed messages, with the subscription that feeds it. */
export type MessageStream = AsyncIterable<Message> & { subscription: MailboxSubscription }

/**
 * Turns a subscription into an async iterable: `subscribe` is called once, at once, with a handler
 * that queues each message (and must not settle them: the loop's body does). Messages are yielded
 * in arrival order; the loop ends when the subscription closes (throwing why, when the connection
 * failed for good), and leaving the loop closes it.
 *
 * @example
 * ```ts
 * const stream = messageStream((handler) => client.subscribe('orders@shop', handler, { autoAck: false }))
 * for await (const msg of stream) await msg.ack()
 * ```
 */
export function messageStream(subscribe: (handler: MessageHandler) => MailboxSubscription): MessageStream {
  const queue: Message[] = []
  let wake: (() => void) | undefined
  const sub = subscribe((msg) => {
    queue.push(msg)
    wake?.()
  })
  return {
    subscription: sub,
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const next = queue.shift()
          if (next) {
            yield next
            continue
          }
          if (sub.closed) {
            if (sub.failure !== undefined) throw sub.failure
            return
          }
          await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sub.closing])
          wake = undefined
        }
      } finally {
        await sub.close()
      }
    },
  }
}
