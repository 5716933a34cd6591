import type { LeasedMessage } from '@pandora/core'
import type { PushTarget } from './push-hub.js'

/** What a subscription needs from its socket. */
export interface PushSubscriptionOwner {
  /** False once the socket is closing: nothing more may be pushed. */
  readonly open: boolean
  /** True while the socket's send buffer is over its limit (a slow consumer): pause pushing. */
  readonly congested: boolean
  /** Sends pushed messages: one frame each, or one frame for all when the subscription batches. */
  push(sub: string, messages: LeasedMessage[], batch: boolean): void
  /** Now on the store's clock, which the lease ends it pushes are on. */
  now(): number
  /** The server took the leases of `sub` away (a purge): forget them and tell the client. */
  revoked(sub: string, reason: string): void
}

/**
 * One WebSocket subscription: a receiver, a lease time and a credit (`prefetch`). It never holds
 * more than `prefetch` unacknowledged messages; credit comes back on ack/reject on its socket, or
 * when a lease it holds expires. Named apart from the client SDK's `Subscription` (the consumer's
 * handle), so a stack trace or a search names one side only.
 */
export class PushSubscription implements PushTarget {
  /** Leases it holds: mid → { lid, leasedUntil }. */
  readonly inflight = new Map<string, { lid: string; leasedUntil: number }>()

  constructor(
    readonly id: string,
    readonly receiver: string,
    readonly leaseTime: number,
    readonly prefetch: number,
    private readonly owner: PushSubscriptionOwner,
    /** The client takes `messages` frames (several messages each). */
    readonly batch = false,
    /** The client takes `lost` frames (leases the server took away). */
    readonly lost = false,
  ) {}

  credit(): number {
    if (!this.owner.open || this.owner.congested) return 0
    const now = this.owner.now()
    for (const [mid, lease] of this.inflight) if (lease.leasedUntil <= now) this.inflight.delete(mid)
    return Math.max(0, this.prefetch - this.inflight.size)
  }

  nextExpiry(): number | null {
    let min: number | null = null
    for (const lease of this.inflight.values())
      if (min === null || lease.leasedUntil < min) min = lease.leasedUntil
    return min
  }

  deliver(messages: LeasedMessage[]): LeasedMessage[] {
    if (!this.owner.open) return messages
    for (const m of messages) this.inflight.set(m.mid, { lid: m.lid, leasedUntil: m.leasedUntil })
    this.owner.push(this.id, messages, this.batch)
    return []
  }

  /** The messages it holds leases on are gone (a purge): its socket forgets them and tells the client. */
  revoke(reason: string): void {
    if (this.inflight.size > 0) this.owner.revoked(this.id, reason)
  }

  /** Takes every lease it holds away from it (to give them back). */
  drain(): { mid: string; lid: string }[] {
    const leases = [...this.inflight].map(([mid, l]) => ({ mid, lid: l.lid }))
    this.inflight.clear()
    return leases
  }
}
