import { PandoraError } from './errors.js'

/** Default largest encoded body, in bytes, as the original server. */
export const DEFAULT_MAX_SIZE = 4096
/** Shortest lease: 1 s. */
export const LEASE_MIN_MS = 1000
/** Longest lease: 12 h. */
export const LEASE_MAX_MS = 12 * 3_600_000
/** Lease used when none is given: 5 min, as the original. */
export const LEASE_DEFAULT_MS = 5 * 60_000
/** Longest delay a send or a reject may ask for: 366 days. */
export const DELAY_MAX_MS = 366 * 24 * 3_600_000
/** Leases a message may take before it is dead, unless configured otherwise. */
export const DEFAULT_MAX_DELIVERIES = 10
/** Most messages one fetch may lease. */
export const FETCH_MAX_BATCH = 256
/** Most messages one batch send may carry (one transaction). */
export const SEND_MAX_BATCH = 256

/** Lowest priority a message may have ("background"). */
export const PRIORITY_MIN = -10
/** Highest priority a message may have ("urgent"). */
export const PRIORITY_MAX = 10
/** Most recipients one fan-out send may name (one transaction, one stored body). */
export const FANOUT_MAX_RECIPIENTS = 64

/** Returns `p` if it is a whole number from {@link PRIORITY_MIN} to {@link PRIORITY_MAX}; else throws. */
export function assertPriority(p: unknown): number {
  if (typeof p !== 'number' || !Number.isInteger(p) || p < PRIORITY_MIN || p > PRIORITY_MAX) {
    throw new PandoraError(
      'invalid_priority',
      `priority must be a whole number from ${PRIORITY_MIN} to ${PRIORITY_MAX}`,
    )
  }
  return p
}

/** Returns `ms` if it is a whole number of milliseconds within the lease bounds; else throws. */
export function assertLeaseTime(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < LEASE_MIN_MS || ms > LEASE_MAX_MS) {
    throw new PandoraError(
      'invalid_lease_time',
      `lease time must be between ${LEASE_MIN_MS} ms (1s) and ${LEASE_MAX_MS} ms (12h)`,
    )
  }
  return ms
}

/** Returns `ms` if it is a whole number of milliseconds from 0 to {@link DELAY_MAX_MS}; else throws. */
export function assertDelay(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > DELAY_MAX_MS) {
    throw new PandoraError('invalid_duration', `delay must be between 0 and ${DELAY_MAX_MS} ms`)
  }
  return ms
}

/** Returns `n` if it is a whole number from 1 to `max`; else throws `invalid_input`. */
export function assertCount(n: unknown, max: number, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    throw new PandoraError('invalid_input', `${what} must be a whole number from 1 to ${max}`)
  }
  return n
}

/** Largest `maxDeliveries` a store — or a mailbox's retry policy — accepts. */
export const MAX_DELIVERIES_MAX = 1_000_000
