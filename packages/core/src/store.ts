import type { Fields } from './body.js'
import type { Clock } from './clock.js'
import type { PandoraError } from './errors.js'
import type { LeasedMessage, MessageHeader, SendInput, SendResult, StoredMessage } from './message.js'
import type { RetryPolicy, RetryPolicyInput } from './retry-policy.js'
import type { StatusCode } from './status.js'
import type { AckOptions } from './store-input.js'

/**
 * Content-addressed blob storage with reference counts. Keys are the SHA-1 of the bytes.
 * A blob is checked against its key when read (`corrupt_blob` when it does not match).
 */
export interface BlobStore {
  /** Stores bytes (or adds one reference to the same bytes) and returns their key. */
  putBlob(bytes: Uint8Array): Promise<string>
  /** The bytes under `key`, or null when there is no such blob. */
  getBlob(key: string): Promise<Uint8Array | null>
  /** Adds `delta` (may be negative) to a blob's count; returns the new count (0 for no blob). */
  updateRefCount(key: string, delta: number): Promise<number>
  /** Deletes every blob whose count is 0 or less; returns how many went. */
  collectBlobs(): Promise<number>
}

/** One lease to end, as {@link MessageStore.ackMany} takes it. */
export interface AckItem {
  mid: string
  lid: string
  /** `confirmed` (1) or `rejected` (2). */
  status: StatusCode
  /** For a reject: due again after this many ms (default: the mailbox's backoff, or 0). */
  delay?: number
  /** For a reject: why (at most 1024 bytes of UTF-8); kept on the message as its failure reason. */
  reason?: string
}

/** Options of a fetch. Durations are milliseconds. */
export interface FetchOptions {
  /** Lease length, 1 s – 12 h. */
  leaseTime: number
  /** Most messages to lease at once (default 1, at most 256). */
  max?: number
}

/** Counts for one mailbox, as seen now. */
export interface MailboxStats {
  receiver: string
  /** Due now, waiting for a receiver (includes messages whose lease expired). */
  pending: number
  /** Under a live lease. */
  leased: number
  /** Not yet due: sent with a delay or rejected with one. */
  delayed: number
  /** Stopped after too many deliveries. */
  dead: number
  /** Confirmed; kept as headers (bodies collected) until purged. */
  confirmed: number
}

/** Counts summed over every mailbox, and how many mailboxes hold at least one message. */
export interface MailboxTotals extends Omit<MailboxStats, 'receiver'> {
  mailboxes: number
}

/** Options of a headers listing. */
export interface HeadersQuery {
  /** Only messages received at or after this epoch ms (default: all). */
  since?: number
  /** At most this many (default 100, at most 1000). */
  limit?: number
  /**
   * `'asc'` (default): oldest received first, so `limit` keeps the oldest. `'desc'`: newest first,
   * so `limit` keeps the newest. Ties on the receive time keep arrival order (reversed for `'desc'`).
   */
  order?: HeadersOrder
}

/** Order of a headers listing by receive time. */
export type HeadersOrder = 'asc' | 'desc'

/** A listener of the availability signal. */
export type AvailabilityListener = (receiver: string) => void

/**
 * The message store contract: message operations only, no connection types. Each store owns its
 * connections; `ready()` resolves once it can serve, `close()` releases everything.
 *
 * Rules every store keeps (and the conformance suite checks):
 * - `send` is idempotent on the mid: the same body again is a `duplicate` and enqueues nothing.
 * - A fetched message is leased for `leaseTime` under a fresh random lid; nobody else gets it
 *   while the lease holds; each lease adds one to `deliveryCount`.
 * - `ack` works only with the current lid of a live lease; otherwise `unable_to_change_status`
 *   and nothing changes. Confirming drops the body's blob reference in the same transaction.
 * - An expired lease makes the message due again, with status `timeout`.
 * - A message due again after `maxDeliveries` leases is moved to `dead` instead of delivered.
 * - Order: the message due earliest first (its `sendWhen`; for one given back, when it became due
 *   again), then arrival order.
 */
export interface MessageStore {
  /** Resolves once the store can serve (schema migrated, connections open). */
  ready(): Promise<void>
  /** Closes every connection and timer. Later calls fail with `store_closed`. */
  close(): Promise<void>

  /** Stores a message; see {@link SendResult}. */
  send(input: SendInput): Promise<SendResult>
  /** Stores several messages, each as `send` would, in one transaction: all of them, or none. */
  sendBatch(inputs: readonly SendInput[]): Promise<SendResult[]>
  /**
   * Stores several messages in one transaction, each on its own account: the result has, per
   * input in order, its {@link SendResult} or the error `send` would have thrown for it alone
   * (`invalid_mailbox`, `message_too_big`, …). A failure of the store itself rejects the call.
   */
  sendMany(inputs: readonly SendInput[]): Promise<(SendResult | PandoraError)[]>

  /** Leases up to `max` due messages of `receiver`, oldest due first. Empty when none is due. */
  fetch(receiver: string, options: FetchOptions): Promise<LeasedMessage[]>
  /**
   * Ends a lease. `confirmed`: done, final. `rejected`: due again after `delay` ms — when left out,
   * after the mailbox's backoff (none: at once); an explicit delay wins over the policy. A reject
   * records its `reason` (or none) and the time as the message's last failure.
   * Throws `unable_to_change_status` for a wrong or stale lid or an expired lease, `invalid_reason`
   * for a reason too long or on a confirm.
   */
  ack(mid: string, lid: string, status: StatusCode, options?: AckOptions): Promise<void>
  /**
   * Ends several leases at once — in one transaction where the store has them, so a consumer's
   * batch of acks costs one commit. Each item succeeds or fails alone: the result has, per item in
   * order, `null` or the error `ack` would have thrown (`unable_to_change_status`, `invalid_key`, …).
   */
  ackMany(items: readonly AckItem[]): Promise<(PandoraError | null)[]>
  /** Extends a live lease to `leaseTime` ms from now; returns the new end. */
  renew(mid: string, lid: string, leaseTime: number): Promise<number>

  /** Headers (no bodies) of `receiver`'s messages, oldest received first. */
  headers(receiver: string, query?: HeadersQuery): Promise<MessageHeader[]>
  /** One message with its body, or null. */
  get(mid: string): Promise<StoredMessage | null>
  /** Counts for one mailbox. */
  stats(receiver: string): Promise<MailboxStats>
  /** Counts for every mailbox that holds a message. */
  mailboxes(): Promise<MailboxStats[]>
  /** Dead messages of `receiver`, oldest first. */
  dead(receiver: string, limit?: number): Promise<MessageHeader[]>
  /** Makes dead messages due again with a fresh delivery count: all of `receiver`'s, or those listed. */
  redrive(receiver: string, mids?: readonly string[]): Promise<number>
  /** Deletes every message of `receiver` (any state) and their blob references; returns how many. */
  purge(receiver: string): Promise<number>

  /** The retry policy of `receiver`: `{}` when none is set (the store's defaults apply). */
  retryPolicy(receiver: string): Promise<RetryPolicy>
  /**
   * Replaces the retry policy of `receiver` (mailboxes are implicit: any valid name may have one,
   * with or without messages; a purge keeps it). `{}` removes it. Returns the policy as stored, its
   * defaults filled in. Throws `invalid_policy` for a bad one. It governs decisions taken from then
   * on: the next lease, reject or expiry.
   */
  setRetryPolicy(receiver: string, policy: RetryPolicyInput): Promise<RetryPolicy>

  /**
   * The availability signal: `listener` is called with a receiver's name whenever a message of it
   * became due or its next due time may have moved — on every send (delayed ones too), reject
   * (with or without a delay), redrive — in this process or, for shared stores, in any process.
   * Timed events (a delay ending, a lease expiring) are not signalled: on a signal, ask
   * {@link MessageStore.nextDueIn} and keep one timer per receiver.
   * Returns a function that removes the listener.
   */
  onAvailable(listener: AvailabilityListener): () => void
  /**
   * Milliseconds until `receiver`'s next message becomes due (0: one is due now), or null when it
   * has none that will be (all confirmed, dead, or none at all). Measured on the store's clock.
   */
  nextDueIn(receiver: string): Promise<number | null>
}

/** The limits a store enforces, resolved from its options. */
export interface StoreLimits {
  /** Largest encoded body in bytes. */
  readonly maxSize: number
  /** Leases a message may take before it is dead; 0: never dead. */
  readonly maxDeliveries: number
}

/** How a store's writes reached the disk since it opened (stores with group commit report it). */
export interface WriteStats {
  /** Transactions committed: each holds every write of one turn of the event loop. */
  readonly commits: number
  /** fsyncs of the log made before answering durable writes. */
  readonly fsyncs: number
  /** Durable writes (sends, redrives, purges…) those fsyncs covered: `durableWrites / fsyncs` per fsync. */
  readonly durableWrites: number
}

/** A complete store: messages and their blobs, sharing transactions. */
export interface Store extends MessageStore, BlobStore {
  /** A short name for logs and metrics: `memory`, `sqlite`, `postgres`. */
  readonly kind: string
  /** The limits this store enforces; a server serving it announces these. */
  readonly limits: StoreLimits
  /**
   * The clock this store decides leases and delays on, as read from this process. Lease ends and
   * due times the store returns are on this clock: compare them with `clock.now()`, never with
   * `Date.now()` (a PostgreSQL store decides on the database's clock).
   */
  readonly clock: Clock
  /**
   * Sums over every mailbox and how many hold a message, where the store can add them up without
   * handing out one object per mailbox (SQLite, on its read worker); metrics use it when present.
   */
  totals?(): Promise<MailboxTotals>
  /**
   * The list of {@link Store.mailboxes} as the UTF-8 bytes of a JSON array of the same objects
   * (same keys in the same order), where the store can build it off the event loop (SQLite, on its
   * read worker): at ten thousand mailboxes neither an object per mailbox, nor the serialization,
   * nor the encoding of a ~1 MB reply runs on the loop. `GET /v1/mailboxes` uses it when present.
   */
  mailboxesJson?(): Promise<Uint8Array>
  /** Commits and fsyncs so far, where the store counts them (SQLite); a server exports them as metrics. */
  writeStats?(): WriteStats
}

/**
 * Options every store accepts; each store's `openXStore(options)` validates them the same way
 * (`invalid_input` before any I/O).
 */
export interface StoreOptions {
  /** Largest encoded body in bytes, 64 B – 1 MiB (default 4096). */
  maxSize?: number
  /** Leases a message may take before it is dead, 0 – 1,000,000 (default 10; 0 disables dead-lettering). */
  maxDeliveries?: number
  /**
   * The clock every lease and delay decision uses. Default: the system clock; for PostgreSQL the
   * database's clock, so instances cannot disagree. Tests pass a {@link ManualClock} to move time
   * without sleeping (on PostgreSQL it then replaces the database clock for that store).
   */
  clock?: Clock
  /**
   * Where the jitter of a backoff comes from: a number in [0, 1) per decision. Default
   * `Math.random`; tests pin it.
   */
  random?: () => number
  /**
   * Told of failures no caller sees: a throwing availability listener, a lost PostgreSQL
   * notification connection, a failed resync. Default: ignored (a server passes its logger).
   */
  onError?: (error: unknown) => void
}

export type { Fields }
