import type { WireLeasedMessage, WireMessageHeader } from '@pandora/core'
import { PandoraError } from '@pandora/core/protocol'
import { FieldMap } from './field-map.js'
import { isLeaseGone, LeaseLostError } from './lease-lost-error.js'

/** What a leased message needs to settle itself: HTTP for fetched messages, the socket for pushed ones. */
export interface LeaseOps {
  ack(mid: string, lid: string): Promise<void>
  reject(mid: string, lid: string, options?: RejectOptions): Promise<void>
  /** Extends the lease to `leaseTime` ms from now; resolves with the new end of the lease. */
  renew(mid: string, lid: string, leaseTime: number): Promise<Date>
}

/** Options of {@link Message.reject}. */
export interface RejectOptions {
  /**
   * Redeliver no sooner than this many ms from now. Left out: the mailbox's backoff on the server
   * decides (none set: at once). Given, it wins over the mailbox's backoff.
   */
  delay?: number
  /**
   * Why it failed, kept on the message (`failureReason`) for admins and the console: at most
   * 1024 bytes of UTF-8 (longer: `invalid_reason`; `truncateReason` of `@pandora/core` cuts one to fit).
   */
  reason?: string
}

/** A message header as admins see it: everything but the body. */
export interface MessageSummary {
  mid: string
  sender: string
  receiver: string
  /** Status code: confirmed 1, rejected 2, timeout 4, notDelivered 8, dead 16. */
  status: number
  /** Name of {@link status}, e.g. `'confirmed'`. */
  statusName: string
  receivedAt: Date
  /** Not delivered before this time. */
  sendWhen: Date
  /** End of the current lease, or null when nobody holds one. */
  leasedUntil: Date | null
  /** Leases taken so far. */
  deliveryCount: number
  /** Size of the encoded body, in bytes. */
  size: number
  /** Why its last delivery failed (a reject's reason, `lease expired`), or null. */
  failureReason: string | null
  /** When its last delivery failed, or null. */
  failedAt: Date | null
  /**
   * When it is next due: `sendWhen`, or the end of a reject's delay or backoff (under a lease:
   * should it run out); null once confirmed or dead, and from servers that do not tell.
   */
  dueAt: Date | null
  /** Delivery priority, -10…10 (0 when not set): higher first among due messages. */
  priority: number
}

/** A stored message as admins see it: header and body (null once the body was collected). */
export interface MessageRecord extends MessageSummary {
  fields: FieldMap | null
}

/** A wire header as a {@link MessageSummary} with dates. */
export function headerFromWire(w: WireMessageHeader): MessageSummary {
  return {
    mid: w.mid,
    sender: w.sender,
    receiver: w.receiver,
    status: w.status,
    statusName: w.statusName,
    receivedAt: new Date(w.receivedAt),
    sendWhen: new Date(w.sendWhen),
    leasedUntil: w.leasedUntil === null ? null : new Date(w.leasedUntil),
    deliveryCount: w.deliveryCount,
    size: w.size,
    failureReason: w.failureReason ?? null,
    failedAt: w.failedAt ? new Date(w.failedAt) : null,
    dueAt: w.dueAt ? new Date(w.dueAt) : null,
    priority: w.priority ?? 0,
  }
}

/** How a message's lease ended on this side. */
export type Settlement = 'acked' | 'rejected'

/**
 * A message received under a lease. Settle it with {@link ack} (done) or {@link reject} (give it
 * back); {@link renew} extends the lease while you work.
 *
 * @example
 * ```ts
 * const msg = await pandora.fetch('orders@shop', { leaseTime: 30_000 })
 * if (msg) {
 *   console.log(msg.fields.get('sku'), msg.deliveryCount)
 *   await msg.ack()
 * }
 * ```
 */
export class Message {
  /** Message id: SHA-1 of the canonical body, 40 hex characters. */
  readonly mid: string
  /** Lease id: only this lease may ack, reject or renew. */
  readonly lid: string
  /** The body. */
  readonly fields: FieldMap
  readonly sender: string
  readonly receiver: string
  /** Leases taken so far, this one included (1 on first delivery). */
  readonly deliveryCount: number
  /** When the server stored it. */
  readonly receivedAt: Date
  /** Not delivered before this time. */
  readonly sendWhen: Date
  /** Status of the previous delivery (notDelivered 8 on a first delivery, rejected 2, timeout 4). */
  readonly status: number
  /** Name of {@link status}. */
  readonly statusName: string
  /** Size of the encoded body, in bytes. */
  readonly size: number
  /** Why its previous delivery failed (a reject's reason, `lease expired`), or null. */
  readonly failureReason: string | null
  /** When its previous delivery failed, or null. */
  readonly failedAt: Date | null
  /** Delivery priority, -10…10 (0 when not set): higher first among due messages. */
  readonly priority: number
  #leasedUntil: Date
  #settlement: Settlement | undefined
  #settling: string | undefined
  // Made on first use: most messages never need one.
  #controller: AbortController | undefined
  #lost: LeaseLostError | undefined
  readonly #ops: LeaseOps
  readonly #onSettle: ((how: Settlement) => void) | undefined

  /** @internal Messages come from the client; there is no reason to build one yourself. */
  constructor(wire: WireLeasedMessage, ops: LeaseOps, onSettle?: (how: Settlement) => void) {
    this.mid = wire.mid
    this.lid = wire.lid
    this.fields = new FieldMap(wire.fields)
    this.sender = wire.sender
    this.receiver = wire.receiver
    this.deliveryCount = wire.deliveryCount
    this.receivedAt = new Date(wire.receivedAt)
    this.sendWhen = new Date(wire.sendWhen)
    this.status = wire.status
    this.statusName = wire.statusName
    this.size = wire.size
    this.failureReason = wire.failureReason ?? null
    this.failedAt = wire.failedAt ? new Date(wire.failedAt) : null
    this.priority = wire.priority ?? 0
    this.#leasedUntil = new Date(wire.leasedUntil)
    this.#ops = ops
    this.#onSettle = onSettle
  }

  /** End of the lease (server clock); moves forward on every renewal. */
  get leasedUntil(): Date {
    return this.#leasedUntil
  }

  /**
   * Aborts when the SDK learns that this message's lease is gone, with a {@link LeaseLostError}
   * as its `reason` (`kind`: `renewal_refused`, `expired` or `revoked`): another consumer may get
   * the message now, so stop the work — pass the signal to `fetch()` and other cancellable calls,
   * or check `signal.aborted` between steps. Acking it afterwards is pointless (and throws the
   * reason); a subscription neither acks nor rejects it. For a fetched message it aborts when a
   * {@link renew} is refused; a subscription also watches the lease's end and the server's word.
   */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController()
      if (this.#lost) this.#controller.abort(this.#lost)
    }
    return this.#controller.signal
  }

  /** @internal Why the lease was lost (the reason of {@link signal}), or undefined. */
  get leaseLost(): LeaseLostError | undefined {
    return this.#lost
  }

  /**
   * @internal The lease is gone: aborts {@link signal} with `reason`, unless the message was settled
   * or lost already. True when this call did it.
   */
  lose(reason: LeaseLostError): boolean {
    if (this.#settlement !== undefined || this.#lost) return false
    this.#lost = reason
    this.#controller?.abort(reason)
    return true
  }

  /** How this side settled the message, or undefined while it is still in hand. */
  get settlement(): Settlement | undefined {
    return this.#settlement
  }

  /** Confirms the message: it is done and will not be delivered again. */
  async ack(): Promise<void> {
    this.#assertOpen('ack')
    this.#settling = 'ack'
    try {
      await this.#ops.ack(this.mid, this.lid)
    } finally {
      this.#settling = undefined
    }
    this.#settle('acked')
  }

  /**
   * Gives the message back, optionally saying why; it is delivered again after `delay` ms, or
   * after the mailbox's backoff when no delay is given.
   *
   * @example
   * ```ts
   * await msg.reject({ reason: 'inventory service answered 503' })
   * ```
   */
  async reject(options: RejectOptions = {}): Promise<void> {
    this.#assertOpen('reject')
    this.#settling = 'reject'
    try {
      await this.#ops.reject(this.mid, this.lid, options)
    } finally {
      this.#settling = undefined
    }
    this.#settle('rejected')
  }

  /** Extends the lease to `leaseTime` ms from now; resolves with the new end of the lease. */
  async renew(leaseTime: number): Promise<Date> {
    this.#assertOpen('renew')
    let until: Date
    try {
      until = await this.#ops.renew(this.mid, this.lid, leaseTime)
    } catch (error) {
      if (isLeaseGone(error)) this.lose(new LeaseLostError('renewal_refused', { cause: error }))
      throw error
    }
    this.#leasedUntil = until
    return until
  }

  toJSON(): Record<string, unknown> {
    return {
      mid: this.mid,
      lid: this.lid,
      sender: this.sender,
      receiver: this.receiver,
      fields: this.fields.toJSON(),
      deliveryCount: this.deliveryCount,
      priority: this.priority,
      status: this.status,
      statusName: this.statusName,
      receivedAt: this.receivedAt.toISOString(),
      sendWhen: this.sendWhen.toISOString(),
      leasedUntil: this.#leasedUntil.toISOString(),
    }
  }

  #assertOpen(what: string): void {
    if (this.#lost) throw this.#lost
    if (this.#settling !== undefined) {
      // Two settlements racing would make one of them fail on the server anyway; say why here.
      throw new PandoraError(
        'unable_to_change_status',
        `cannot ${what}: a ${this.#settling} of message ${this.mid} is in flight`,
      )
    }
    if (this.#settlement !== undefined) {
      throw new PandoraError(
        'unable_to_change_status',
        `cannot ${what}: message ${this.mid} was already ${this.#settlement}`,
      )
    }
  }

  #settle(how: Settlement): void {
    this.#settlement = how
    this.#onSettle?.(how)
  }
}
