import type { WireLeasedMessage, WireRetryPolicy } from '@pandora/core'
import { FETCH_MAX_BATCH, PandoraError, truncateReason } from '@pandora/core/protocol'
import { type RetryDelayOptions, retryDelay } from './backoff.js'
import { LeaseKeeper } from './lease-keeper.js'
import { LeaseLostError } from './lease-lost-error.js'
import { type LeaseOps, Message } from './message.js'

/**
 * Runs once per pushed message. Resolve when done; throw to have the message redelivered later.
 * `message.signal` aborts when the lease is lost (see {@link Message.signal}): stop then.
 */
export type MessageHandler = (message: Message) => void | Promise<void>

/** Options of {@link PandoraClient.subscribe}. */
export interface SubscribeOptions {
  /**
   * Most handler calls running at once (1–256). Messages start in the order they were pushed; with
   * 1 they run one at a time, in order. Default: `prefetch` when that is given, else 1.
   */
  concurrency?: number
  /**
   * Most messages in hand at once (1–256): the server pushes no more than this many unsettled
   * messages. Those beyond `concurrency` wait here, their leases kept, so the next message is
   * already in hand when a handler finishes instead of a round trip away. Default: twice
   * `concurrency`, at least 8 (see {@link defaultPrefetch}); set it equal to `concurrency` when
   * slow handlers share a mailbox with other consumers and none should hold messages it has not
   * started.
   */
  prefetch?: number
  /** Lease of each pushed message in ms (1 s – 12 h); renewed while its handler runs. Default 30 000. */
  leaseTime?: number
  /**
   * Settle messages from the handler's outcome: ack when it resolves, reject when it throws — with
   * the error's message as the reason (cut to 1024 bytes), and a backoff (see `retryDelay`). With `false` the handler (or whoever it hands the message to) calls `ack()` or
   * `reject()`; the lease is renewed until then. Default true.
   */
  autoAck?: boolean
  /**
   * Reject delay after a failed handler: options of the exponential backoff (doubling with each
   * delivery, capped), or a function of the message and the error. Default 1 s doubling up to 60 s
   * — unless the mailbox has a backoff in its retry policy on the server: then, left out, the SDK
   * rejects without a delay and the server's backoff applies. Given, it wins over the server's.
   */
  retryDelay?: RetryDelayOptions | ((message: Message, error: unknown) => number)
  /** Share of the lease after which it is renewed (0.05–0.95). Default 0.5. */
  renewAt?: number
  /** Aborting closes the subscription, as {@link MailboxSubscription.close} does. */
  signal?: AbortSignal
  /**
   * Told about every failure the subscription handles by itself: handler errors (the message is
   * then rejected), failed acks, lost leases (a {@link LeaseLostError}, once per message, when its
   * `signal` aborts), subscribe refusals.
   */
  onError?: (error: unknown, message?: Message) => void
}

/** Most messages one subscription may have in hand: the protocol's bound on `prefetch`. */
const MAX_PREFETCH = FETCH_MAX_BATCH

/**
 * The prefetch of a subscription that did not choose one: twice its concurrency, at least 8, at
 * most 256 (the protocol's bound). With no more in hand than running handlers, a handler that
 * finishes waits a round trip for its next message. Through pandorad on one 2-core machine, with a
 * handler that returns at once: one at a time drained ~2.1k msg/s with prefetch 1 and 6.8–10.5k with 8
 * (16: 10–12k, but more held from other consumers); 16 at a time ~13.5k with 16 and ~16k with 32.
 */
export function defaultPrefetch(concurrency: number): number {
  return Math.min(MAX_PREFETCH, Math.max(8, 2 * concurrency))
}

/**
 * `concurrency` and `prefetch` as given or defaulted; `invalid_input`, naming the value, for a
 * window no server takes (each an integer from 1 to 256, concurrency no more than prefetch).
 */
function windowOf({ concurrency: c, prefetch: p }: SubscribeOptions): {
  concurrency: number
  prefetch: number
} {
  const concurrency = c ?? p ?? 1
  const prefetch = p ?? defaultPrefetch(concurrency)
  const ok = (v: number) => Number.isInteger(v) && v >= 1 && v <= MAX_PREFETCH
  // Prefetch first: given alone, concurrency is a copy of it.
  const bad = !ok(prefetch)
    ? `prefetch ${prefetch}`
    : !ok(concurrency)
      ? `concurrency ${concurrency}`
      : concurrency > prefetch
        ? `concurrency ${concurrency} above prefetch ${prefetch}`
        : undefined
  if (bad)
    throw new PandoraError(
      'invalid_input',
      `${bad}: each must be an integer from 1 to ${MAX_PREFETCH}, concurrency no more than prefetch`,
    )
  return { concurrency, prefetch }
}

/** Options of {@link MailboxSubscription.close}. */
export interface CloseOptions {
  /** Longest wait for running handlers, in ms; then their messages are given back. Default 30 000. */
  timeout?: number
}

/** What a {@link MailboxSubscription} needs from its client. */
export interface MailboxSubscriptionHost {
  /** Lease operations over the socket the messages came on (credit returns only there). */
  readonly ops: LeaseOps
  /** Sends `subscribe` if the socket is open (otherwise the next open does it). */
  subscribe(sub: MailboxSubscription): void
  /** Sends `unsubscribe` if the socket is open, and forgets the subscription. */
  unsubscribe(sub: MailboxSubscription): Promise<void>
  /** Where errors go when the subscription has no `onError`. */
  reportError(error: unknown): void
}

/**
 * A live subscription to one mailbox: pushed messages run the handler, leases are kept while it
 * runs, and outcomes settle the messages. Created by {@link PandoraClient.subscribe}.
 *
 * @example
 * ```ts
 * const sub = pandora.subscribe('orders@shop', async (msg) => ship(msg.fields.get('sku')), { prefetch: 8 })
 * await sub.ready
 * // ...
 * await sub.close()
 * ```
 */
export class MailboxSubscription {
  /** Id on the socket, chosen by the client. */
  readonly id: string
  readonly receiver: string
  readonly prefetch: number
  /** Most handler calls running at once. */
  readonly concurrency: number
  readonly leaseTime: number
  readonly autoAck: boolean
  /**
   * Resolves once the server confirmed the subscription the first time; rejects when the client's
   * connection fails for good before that (a refused origin, host or token).
   */
  readonly ready: Promise<void>
  readonly #host: MailboxSubscriptionHost
  readonly #handler: MessageHandler
  readonly #options: SubscribeOptions
  readonly #running = new Set<Promise<void>>()
  /** Pushed messages whose handler has not started (at most prefetch − concurrency), oldest first. */
  readonly #waiting: Message[] = []
  /** Handler calls running (their settling may still be under way). */
  #busy = 0
  /** Messages in hand whose leases are kept, by lid. */
  readonly #held = new Map<string, { message: Message; keeper: LeaseKeeper }>()
  #resolveReady!: () => void
  #rejectReady!: (error: unknown) => void
  #failure: unknown
  #resolveClosing!: () => void
  /** @internal Resolves as soon as {@link close} begins. */
  readonly closing: Promise<void>
  #closing: Promise<void> | undefined
  #abort: (() => void) | undefined
  #refused = false
  #policy: WireRetryPolicy | undefined

  /** @internal Use {@link PandoraClient.subscribe}. */
  constructor(
    id: string,
    receiver: string,
    handler: MessageHandler,
    options: SubscribeOptions,
    host: MailboxSubscriptionHost,
  ) {
    this.id = id
    this.receiver = receiver
    const { concurrency, prefetch } = windowOf(options)
    this.concurrency = concurrency
    this.prefetch = prefetch
    this.leaseTime = options.leaseTime ?? 30_000
    this.autoAck = options.autoAck ?? true
    this.#handler = handler
    this.#options = options
    this.#host = host
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve
      this.#rejectReady = reject
    })
    // Whoever awaits `ready` sees a rejection; nobody awaiting it is not an unhandled error.
    this.ready.catch(() => {})
    this.closing = new Promise((resolve) => {
      this.#resolveClosing = resolve
    })
    const signal = options.signal
    if (signal) {
      this.#abort = () => void this.close()
      if (signal.aborted) queueMicrotask(this.#abort)
      else signal.addEventListener('abort', this.#abort, { once: true })
    }
  }

  /** True once {@link close} began. */
  get closed(): boolean {
    return this.#closing !== undefined
  }

  /** Handlers running right now. */
  get active(): number {
    return this.#running.size
  }

  /**
   * Stops receiving: waits for running handlers (up to `timeout`), then unsubscribes, and the
   * server gives back every message still leased to this subscription. Safe to call twice.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing === undefined) {
      this.#closing = this.#close(options.timeout ?? 30_000)
      this.#resolveClosing()
    }
    return this.#closing
  }

  /**
   * The mailbox's retry policy on the server, as it told when the subscription was (re)confirmed;
   * undefined before that, or from a server without retry policies.
   */
  get retryPolicy(): WireRetryPolicy | undefined {
    return this.#policy
  }

  /** @internal The server confirmed (or re-confirmed after a reconnect) the subscription. */
  subscribed(policy?: WireRetryPolicy): void {
    this.#policy = policy
    this.#resolveReady()
  }

  /** @internal The server reported an error about the subscription. */
  failed(error: unknown): void {
    this.#report(error)
  }

  /**
   * @internal The server refused to subscribe (bad options, too many subscriptions): that will not
   * change by retrying, so the subscription closes.
   */
  refused(error: unknown): void {
    this.#refused = true
    this.#report(error)
    void this.close()
  }

  /**
   * @internal The client's connection failed for good: `ready` rejects, `onError` hears why (the
   * client's `error` event already did, so it is not told twice) and the subscription closes.
   */
  terminated(error: unknown): void {
    if (this.#closing !== undefined) return
    this.#failure = error
    this.#rejectReady(error)
    try {
      this.#options.onError?.(error)
    } catch (e) {
      this.#host.reportError(e)
    }
    void this.close()
  }

  /** @internal Why the subscription ended, when the connection failed for good. */
  get failure(): unknown {
    return this.#failure
  }

  /** @internal True when the server refused the subscription: there is nothing to unsubscribe. */
  get wasRefused(): boolean {
    return this.#refused
  }

  /** @internal A message pushed for this subscription. */
  deliver(wire: WireLeasedMessage): void {
    // After close began, pushed messages are left alone: unsubscribing gives them back.
    if (this.#closing !== undefined) return
    const message = new Message(wire, this.#host.ops, () => this.#release(message))
    const keeper = new LeaseKeeper(
      {
        renew: (ms) => message.renew(ms),
        emit: (event) => {
          if (event.type === 'lost') this.#lose(message, event.error)
        },
      },
      {
        leaseTime: this.leaseTime,
        ...(this.#options.renewAt === undefined ? {} : { renewAt: this.#options.renewAt }),
      },
    )
    this.#held.set(message.lid, { message, keeper })
    keeper.start()
    this.#waiting.push(message)
    this.#startWaiting()
  }

  /** Starts waiting messages while a handler slot is free; none once close began. */
  #startWaiting(): void {
    while (this.#busy < this.concurrency && this.#closing === undefined) {
      const message = this.#waiting.shift()
      if (message === undefined) return
      // Lost while it waited (a purge, a lease the server gave back): reported then, nothing to run.
      if (message.leaseLost) continue
      this.#busy++
      const run = this.#run(message).finally(() => this.#running.delete(run))
      this.#running.add(run)
    }
  }

  /** A handler call ended: its slot goes to the next waiting message while this one settles. */
  #handlerDone(): void {
    this.#busy--
    this.#startWaiting()
  }

  /** @internal The server took these leases away (a purge): their signals abort as `revoked`. */
  revoked(leases: readonly { mid: string; lid: string }[], reason: string): void {
    // `reason` is the server's word for it (`purged`), kept as the error's cause.
    for (const { mid, lid } of leases) {
      const held = this.#held.get(lid)
      if (held?.message.mid === mid) {
        this.#lose(held.message, new LeaseLostError('revoked', { cause: reason }))
      }
    }
  }

  /**
   * @internal The socket is open again: the server may have given the leases back when the old
   * one closed, so each is renewed now rather than at its turn, to learn it at once.
   */
  reopened(): void {
    for (const { keeper } of this.#held.values()) keeper.renewNow()
  }

  /** Stops keeping a lease: the message was settled or lost. True when it was still kept. */
  #release(message: Message): boolean {
    const held = this.#held.get(message.lid)
    if (!held) return false
    held.keeper.stop()
    this.#held.delete(message.lid)
    return true
  }

  /** The lease is gone: the signal aborts, `onError` hears it once; nothing acks the message. */
  #lose(message: Message, error: LeaseLostError): void {
    message.lose(error)
    if (this.#release(message)) this.#report(message.leaseLost ?? error, message)
  }

  async #run(message: Message): Promise<void> {
    let failure: { error: unknown } | undefined
    try {
      await this.#handler(message)
    } catch (error) {
      failure = { error }
    }
    this.#handlerDone()
    try {
      if (failure === undefined) {
        if (this.autoAck && message.settlement === undefined && !message.leaseLost) {
          await message.ack().catch((error: unknown) => this.#settleFailed(error, message))
        }
        return
      }
      // After the loss, what the handler throws is most likely the abort itself: already reported.
      if (message.leaseLost) return
      const { error } = failure
      this.#report(error, message)
      if (this.autoAck && message.settlement === undefined) {
        const delay = this.#delayFor(message, error)
        const reason = reasonOf(error)
        await message
          .reject(delay === undefined ? { reason } : { delay, reason })
          .catch((e: unknown) => this.#settleFailed(e, message))
      }
    } finally {
      if (this.autoAck) this.#release(message)
    }
  }

  /** An ack or reject failed: worth reporting unless the lease was lost meanwhile (reported then). */
  #settleFailed(error: unknown, message: Message): void {
    if (!message.leaseLost) this.#report(error, message)
  }

  /** The delay to reject with; undefined leaves it to the mailbox's backoff on the server. */
  #delayFor(message: Message, error: unknown): number | undefined {
    const option = this.#options.retryDelay
    if (option === undefined && this.#policy?.backoff !== undefined) return undefined
    if (typeof option === 'function') {
      try {
        return Math.max(0, Math.round(option(message, error)))
      } catch (e) {
        this.#report(e, message)
      }
      return retryDelay(message.deliveryCount)
    }
    return retryDelay(message.deliveryCount, option)
  }

  async #close(timeout: number): Promise<void> {
    if (this.#abort) this.#options.signal?.removeEventListener('abort', this.#abort)
    if (this.#running.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        Promise.allSettled([...this.#running]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeout)
        }),
      ])
      clearTimeout(timer)
    }
    // Messages that never started are given back with the rest when the unsubscribe is answered.
    this.#waiting.length = 0
    for (const { keeper } of this.#held.values()) keeper.stop()
    this.#held.clear()
    try {
      await this.#host.unsubscribe(this)
    } catch (error) {
      // The socket may be gone; then the server already gave the leases back.
      if (!(error instanceof PandoraError && error.code === 'connection_lost')) this.#report(error)
    }
  }

  #report(error: unknown, message?: Message): void {
    const onError = this.#options.onError
    if (!onError) {
      this.#host.reportError(error)
      return
    }
    try {
      onError(error, message)
    } catch (e) {
      this.#host.reportError(e)
    }
  }
}

/** The reason a failed handler's message is rejected with: the error's message, cut to fit. */
function reasonOf(error: unknown): string {
  const text =
    error instanceof Error ? error.message || error.name : typeof error === 'string' ? error : String(error)
  return truncateReason(text)
}
