import { type Clock, systemClock } from '../clock.js'
import { PandoraError } from '../errors.js'
import { DEFAULT_MAX_DELIVERIES, DEFAULT_MAX_SIZE, MAX_DELIVERIES_MAX } from '../limits.js'
import type { PreparedMessage } from '../message.js'
import { backoffDelay, type RetryPolicy } from '../retry-policy.js'
import { isActiveStatus, Status, type StatusCode } from '../status.js'
import type { MailboxStats, StoreOptions } from '../store.js'

// The rules of the mailbox model that are not storage: every store applies them through this
// module, so a rule changes here once and the conformance suite checks it in each store.

/** Smallest `maxSize` a store accepts: room for a small body with Pandora's own fields. */
export const MAX_SIZE_MIN = 64
/** Largest `maxSize` a store accepts (1 MiB): Pandora carries small messages. */
export const MAX_SIZE_MAX = 1024 * 1024
export { MAX_DELIVERIES_MAX }

/** The options every store resolves the same way. */
export interface ResolvedStoreOptions {
  maxSize: number
  maxDeliveries: number
  clock: Clock
  onError: (error: unknown) => void
  random: () => number
}

function wholeNumber(value: unknown, fallback: number, name: string, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new PandoraError('invalid_input', `${name} must be a whole number from ${min} to ${max}`)
  }
  return value
}

/**
 * Validates the options every store takes and fills in their defaults. A store's `open` calls it
 * first, so bad options fail the same way everywhere (`invalid_input`) before any I/O.
 */
export function resolveStoreOptions(options: StoreOptions | undefined): ResolvedStoreOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new PandoraError('invalid_input', 'store options must be an object')
  }
  const clock = options?.clock ?? systemClock
  if (typeof clock?.now !== 'function') throw new PandoraError('invalid_input', 'clock must have now()')
  const onError = options?.onError ?? (() => {})
  if (typeof onError !== 'function') throw new PandoraError('invalid_input', 'onError must be a function')
  const random = options?.random ?? Math.random
  if (typeof random !== 'function') throw new PandoraError('invalid_input', 'random must be a function')
  return {
    random,
    maxSize: wholeNumber(options?.maxSize, DEFAULT_MAX_SIZE, 'maxSize', MAX_SIZE_MIN, MAX_SIZE_MAX),
    maxDeliveries: wholeNumber(
      options?.maxDeliveries,
      DEFAULT_MAX_DELIVERIES,
      'maxDeliveries',
      0,
      MAX_DELIVERIES_MAX,
    ),
    clock,
    onError,
  }
}

/**
 * Where a batch of sends keeps each body. A body (without its receiver) that several messages of
 * the batch carry — a fan-out, or one body sent to several mailboxes in one batch — is stored once,
 * as a reference-counted blob; every other body is kept inline with its message. Inline is the
 * common case and the cheap one: no blob row to write on send, none to find and delete on confirm.
 * Returns the blob keys to store as blobs.
 *
 * Messages of different batches never share: a later send of a body that is already a blob keeps
 * its own copy (looking blobs up on every send would cost what inlining saves).
 */
export function sharedBlobKeys(batch: readonly PreparedMessage[]): Set<string> {
  const firstMid = new Map<string, string>()
  const shared = new Set<string>()
  for (const p of batch) {
    const mid = firstMid.get(p.blob)
    if (mid === undefined) firstMid.set(p.blob, p.mid)
    // The same mid twice is one message and its duplicate: nothing to share.
    else if (mid !== p.mid) shared.add(p.blob)
  }
  return shared
}

/**
 * The dead-letter rule: a message about to be leased again (or given back) once it has had
 * `maxDeliveries` leases is dead instead. `maxDeliveries` 0 turns dead-lettering off.
 */
export function isExhausted(deliveryCount: number, maxDeliveries: number): boolean {
  return maxDeliveries > 0 && deliveryCount >= maxDeliveries
}

/** The `maxDeliveries` that governs a mailbox: its policy's, else the store's. */
export function maxDeliveriesOf(policy: RetryPolicy | null | undefined, storeDefault: number): number {
  return policy?.maxDeliveries ?? storeDefault
}

/**
 * How long a rejected message waits before it is due again: an explicit delay wins (the consumer
 * knows something the policy does not, e.g. a rate limit's reset time); otherwise the mailbox's
 * backoff for its `deliveryCount`-th failed delivery; otherwise 0.
 */
export function rejectDelay(
  explicit: number | null,
  policy: RetryPolicy | null | undefined,
  deliveryCount: number,
  random: () => number,
): number {
  if (explicit !== null) return explicit
  return policy?.backoff ? backoffDelay(policy.backoff, deliveryCount, random()) : 0
}

/**
 * How long after its lease ends a message waits before it is due again, should that lease expire:
 * the mailbox's backoff for delivery number `deliveryCount` (the lease just taken). Stores decide
 * expiry lazily, so they fix this when the lease is taken — the message is due at
 * `leasedUntil + expiryDelay` — and a renewal keeps the same gap. A lease that is the message's last
 * allowed delivery gets none: it is dead at the next fetch, not a backoff later.
 */
export function expiryDelay(
  policy: RetryPolicy | null | undefined,
  deliveryCount: number,
  maxDeliveries: number,
  random: () => number,
): number {
  if (!policy?.backoff || isExhausted(deliveryCount, maxDeliveries)) return 0
  return backoffDelay(policy.backoff, deliveryCount, random())
}

/**
 * The status a due message is leased with: one that still carries a lid is one whose lease ran
 * out (`timeout`); otherwise it keeps how its last delivery ended.
 */
export function statusWhenLeased(status: StatusCode, hadLease: boolean): StatusCode {
  return hadLease ? Status.timeout : status
}

/** What a lease needs to be acted on (ack, reject, renew). */
export interface LeaseState {
  lid: string | null
  leasedUntil: number | null
  status: number
}

/** True when `lid` is the current lease of a message and it still holds at `now`. */
export function leaseHolds(m: LeaseState | undefined | null, lid: string, now: number): boolean {
  return !!m && m.lid === lid && m.leasedUntil !== null && m.leasedUntil > now && isActiveStatus(m.status)
}

/** Throws `unable_to_change_status` unless {@link leaseHolds}. */
export function assertLeaseHolds<T extends LeaseState>(m: T | undefined | null, lid: string, now: number): T {
  if (!leaseHolds(m, lid, now)) throw new PandoraError('unable_to_change_status')
  return m as T
}

/** The state a message is counted in by the mailbox statistics. */
export type CountedState = 'pending' | 'leased' | 'delayed' | 'dead' | 'confirmed'

/** Which count a message falls in at `now`; `visibleAt` is when it is next due. */
export function countedState(m: LeaseState & { visibleAt: number }, now: number): CountedState {
  if (m.status === Status.confirmed) return 'confirmed'
  if (m.status === Status.dead) return 'dead'
  if (m.lid !== null && m.leasedUntil !== null && m.leasedUntil > now) return 'leased'
  // An expired lease waiting out its backoff is delayed, like a rejected message.
  if (m.visibleAt > now) return 'delayed'
  return 'pending'
}

/** The counts of a mailbox with no messages. */
export function emptyStats(receiver: string): MailboxStats {
  return { receiver, pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 0 }
}

/** The order of `mailboxes()`: by receiver, in JavaScript string order (UTF-16 code units). */
export function byReceiver(a: { receiver: string }, b: { receiver: string }): number {
  return a.receiver < b.receiver ? -1 : a.receiver > b.receiver ? 1 : 0
}

/** Validates the `delta` of `updateRefCount`: a whole number. */
export function assertDelta(delta: unknown): number {
  if (typeof delta !== 'number' || !Number.isSafeInteger(delta)) {
    throw new PandoraError('invalid_input', 'delta must be a whole number')
  }
  return delta
}
