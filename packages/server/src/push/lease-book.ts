import type { LeasedMessage } from '@pandora/core'
import type { PushSubscription } from './push-subscription.js'

/** A lease to give back: the message and the lid that holds it. */
export interface LeaseRef {
  mid: string
  lid: string
}

/**
 * The subscriptions of one socket and the leases pushed to them. It answers two questions an ack
 * raises — which subscription held this message, and is this still its lease — so an ack returns
 * credit to the right subscription and a stale one returns none; and, when a purge removes
 * messages, which leases of a subscription are gone (for the `lost` frame). It does no I/O: giving
 * leases back, or telling the client, is the caller's, with the list this book hands over.
 *
 * @example
 * book.add(sub)
 * book.pushed(sub.id, messages)
 * const receiver = book.release(mid, lid) // credit came back to this receiver, or null
 * const { subscriptions, leases } = book.clear() // socket closed: detach these, give those back
 */
export class LeaseBook {
  readonly #subs = new Map<string, PushSubscription>()
  /** mid → the subscription holding its lease. */
  readonly #holders = new Map<string, PushSubscription>()

  /** Number of subscriptions. */
  get size(): number {
    return this.#subs.size
  }

  has(id: string): boolean {
    return this.#subs.has(id)
  }

  get(id: string): PushSubscription | undefined {
    return this.#subs.get(id)
  }

  /** Every subscription, in the order they were added. */
  subscriptions(): IterableIterator<PushSubscription> {
    return this.#subs.values()
  }

  add(sub: PushSubscription): void {
    this.#subs.set(sub.id, sub)
  }

  /** Records which subscription holds the leases of messages just pushed to it. */
  pushed(id: string, messages: readonly LeasedMessage[]): void {
    const holder = this.#subs.get(id)
    // The hub only delivers to attached subscriptions, and detaching removes them here first.
    if (!holder) return
    for (const message of messages) this.#holders.set(message.mid, holder)
  }

  /** Forgets a subscription; returns the leases it held, to be given back. */
  remove(id: string): { subscription: PushSubscription; leases: LeaseRef[] } | undefined {
    const sub = this.#subs.get(id)
    if (!sub) return undefined
    const leases = this.revoke(id)
    this.#subs.delete(id)
    return { subscription: sub, leases }
  }

  /**
   * Takes every lease of subscription `id` away from it, because the server removed the messages
   * (a purge); the subscription stays. Returns the leases, for the `lost` frame that tells the
   * client: nothing is given back, the messages are gone.
   */
  revoke(id: string): LeaseRef[] {
    const sub = this.#subs.get(id)
    if (!sub) return []
    const leases = sub.drain()
    for (const l of leases) this.#holders.delete(l.mid)
    return leases
  }

  /**
   * Forgets a lease after its ack (or a failed one) so its subscription may take another. Only the
   * current lid counts: a stale ack must not hand out credit twice. Returns the receiver whose
   * credit came back, or null.
   */
  release(mid: string, lid: string): string | null {
    const holder = this.#holders.get(mid)
    if (!holder || holder.inflight.get(mid)?.lid !== lid) return null
    holder.inflight.delete(mid)
    this.#holders.delete(mid)
    return holder.receiver
  }

  /** A renewal moved a lease's end: the subscription's credit must wait for the new end. */
  renewed(mid: string, lid: string, leasedUntil: number): void {
    const lease = this.#holders.get(mid)?.inflight.get(mid)
    if (lease && lease.lid === lid) lease.leasedUntil = leasedUntil
  }

  /** Forgets everything (the socket closed); returns the subscriptions and every lease they held. */
  clear(): { subscriptions: PushSubscription[]; leases: LeaseRef[] } {
    const subscriptions = [...this.#subs.values()]
    const leases: LeaseRef[] = []
    for (const sub of subscriptions) leases.push(...sub.drain())
    this.#subs.clear()
    this.#holders.clear()
    return { subscriptions, leases }
  }
}
