import type { WireLeasedMessage } from '@pandora/core'
import { PandoraError } from '@pandora/core/protocol'
import type { Connection } from './connection.js'
import { MailboxSubscription, type MessageHandler, type SubscribeOptions } from './mailbox-subscription.js'
import type { LeaseOps } from './message.js'

/** What a {@link SubscriptionRegistry} needs from its client. */
export interface SubscriptionRegistryHost {
  /** The client's shared socket, created on first use. */
  connection(): Connection
  /** Lease operations of pushed messages (over the socket). */
  readonly ops: LeaseOps
  /** Where errors go that no subscription handles. */
  reportError(error: unknown): void
}

/**
 * The subscriptions of one client's socket: assigns their ids, sends `subscribe` (again after each
 * reconnect), routes pushed messages and subscription errors to them, and forgets them once closed.
 */
export class SubscriptionRegistry {
  readonly #host: SubscriptionRegistryHost
  readonly #subs = new Map<string, MailboxSubscription>()
  #nextId = 0

  constructor(host: SubscriptionRegistryHost) {
    this.#host = host
  }

  /** Creates a subscription and subscribes it now if the socket is open, else starts the socket. */
  add(receiver: string, handler: MessageHandler, options: SubscribeOptions): MailboxSubscription {
    const connection = this.#host.connection()
    const id = `s${++this.#nextId}`
    const sub = new MailboxSubscription(id, receiver, handler, options, {
      ops: this.#host.ops,
      subscribe: (s) => this.#sendSubscribe(s),
      unsubscribe: async (s) => {
        this.#subs.delete(s.id)
        if (connection.state === 'open' && !s.wasRefused) {
          await connection.request({ type: 'unsubscribe', sub: s.id })
        }
      },
      reportError: (error) => this.#host.reportError(error),
    })
    this.#subs.set(id, sub)
    if (connection.state === 'open') this.#sendSubscribe(sub)
    else connection.start()
    return sub
  }

  /** The socket (re)opened: subscribes every live subscription, and checks the leases they hold. */
  resubscribeAll(): void {
    for (const sub of this.#subs.values()) {
      this.#sendSubscribe(sub)
      sub.reopened()
    }
  }

  /**
   * How many pushed messages the live subscriptions may hold at once (their prefetch added up; a
   * refused one holds none). A client has a few subscriptions: summed when asked.
   */
  window(): number {
    let sum = 0
    for (const sub of this.#subs.values()) if (!sub.wasRefused) sum += sub.prefetch
    return sum
  }

  /** A pushed message for subscription `id`. */
  deliver(id: string, message: WireLeasedMessage): void {
    // A message for a subscription we no longer hold is left alone: its lease runs out.
    this.#subs.get(id)?.deliver(message)
  }

  /** The server took leases of subscription `id` away (`reason`: `purged`). */
  revoked(id: string, leases: readonly { mid: string; lid: string }[], reason: string): void {
    this.#subs.get(id)?.revoked(leases, reason)
  }

  /** An error the server reported about subscription `id`. */
  failed(id: string, error: PandoraError): void {
    const sub = this.#subs.get(id)
    if (sub) sub.failed(error)
    else this.#host.reportError(error)
  }

  /** The connection failed for good: every subscription is told why and closes. */
  failAll(error: PandoraError): void {
    for (const sub of this.#subs.values()) sub.terminated(error)
  }

  /** Closes every subscription, waiting for running handlers up to `timeout` ms. */
  async closeAll(options: { timeout?: number } = {}): Promise<void> {
    await Promise.all([...this.#subs.values()].map((s) => s.close(options)))
  }

  #sendSubscribe(sub: MailboxSubscription): void {
    if (sub.closed) return
    this.#host
      .connection()
      .request({
        type: 'subscribe',
        sub: sub.id,
        receiver: sub.receiver,
        leaseTime: sub.leaseTime,
        prefetch: sub.prefetch,
        // Servers without `messages` frames ignore the option and push one message a frame.
        batch: true,
        // Asks for `lost` frames, which abort the signals of leases the server takes away.
        lost: true,
      })
      .then(
        (reply) => sub.subscribed(reply.type === 'subscribed' ? reply.policy : undefined),
        (error: unknown) => {
          // A drop is handled by the resubscribe after reconnecting; anything else is the server refusing.
          if (!(error instanceof PandoraError && error.code === 'connection_lost')) sub.refused(error)
        },
      )
  }
}
