import { PandoraError } from './errors.js'
import { DELAY_MAX_MS, MAX_DELIVERIES_MAX } from './limits.js'

/** Largest `maxDeliveries` a mailbox policy accepts: the same bound as a store's. */
export const POLICY_MAX_DELIVERIES = MAX_DELIVERIES_MAX
/** Smallest and largest growth factor of an exponential backoff. */
export const BACKOFF_FACTOR_MIN = 1.1
export const BACKOFF_FACTOR_MAX = 10
/**
 * The exponent of an exponential backoff stops growing here. With a factor of at least
 * {@link BACKOFF_FACTOR_MIN} the cap ({@link DELAY_MAX_MS} at most) is reached long before, and with
 * a factor of at most {@link BACKOFF_FACTOR_MAX} the value stays a finite double: so the rule is the
 * same in JavaScript and in SQL, where an overflowing `power()` would be an error.
 */
export const BACKOFF_EXPONENT_MAX = 256

/** Wait the same time after every failure. */
export interface FixedBackoff {
  type: 'fixed'
  /** Milliseconds before the message is due again. */
  delay: number
  /** Share of the delay that is random, 0 (none, default) – 1: the wait lies in `[delay·(1−jitter), delay]`. */
  jitter: number
}

/** Wait `base · factor^(n−1)` after the n-th delivery failed, at most `max`. */
export interface ExponentialBackoff {
  type: 'exponential'
  /** Milliseconds after the first failed delivery. */
  base: number
  /** Growth per delivery, 1.1 – 10 (default 2: doubling). */
  factor: number
  /** Longest wait in milliseconds. */
  max: number
  /** Share of the wait that is random, 0 (none, default) – 1 (full jitter). */
  jitter: number
}

/** How long a failed message waits before it is due again. */
export type Backoff = FixedBackoff | ExponentialBackoff

/**
 * A mailbox's retry policy, kept by the store per receiver. Both parts are optional; an empty
 * policy is the store's defaults (its `maxDeliveries`, no backoff).
 */
export interface RetryPolicy {
  /** Leases a message may take before it is dead, 0 – 1,000,000 (0: never dead); overrides the store's. */
  maxDeliveries?: number
  /** Applied to a reject that names no delay, and to a lease that expired. */
  backoff?: Backoff
}

/** A policy as a caller may write it: the defaults of a backoff (`factor`, `jitter`) may be left out. */
export interface RetryPolicyInput {
  maxDeliveries?: number
  backoff?:
    | { type: 'fixed'; delay: number; jitter?: number }
    | { type: 'exponential'; base: number; factor?: number; max: number; jitter?: number }
}

const bad = (message: string): PandoraError => new PandoraError('invalid_policy', message)

function wholeMs(value: unknown, name: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > DELAY_MAX_MS) {
    throw bad(`${name} must be a whole number of ms from ${min} to ${DELAY_MAX_MS}`)
  }
  return value
}

function share(value: unknown, name: string): number {
  if (value === undefined) return 0
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw bad(`${name} must be a number from 0 to 1`)
  }
  return value
}

function onlyKeys(object: object, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw bad(`${what} has no setting ${JSON.stringify(key)}`)
  }
}

function checkBackoff(input: unknown): Backoff {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw bad('backoff must be an object')
  }
  const b = input as Record<string, unknown>
  if (b.type === 'fixed') {
    onlyKeys(b, ['type', 'delay', 'jitter'], 'a fixed backoff')
    return {
      type: 'fixed',
      delay: wholeMs(b.delay, 'backoff.delay'),
      jitter: share(b.jitter, 'backoff.jitter'),
    }
  }
  if (b.type === 'exponential') {
    onlyKeys(b, ['type', 'base', 'factor', 'max', 'jitter'], 'an exponential backoff')
    const base = wholeMs(b.base, 'backoff.base', 1)
    const max = wholeMs(b.max, 'backoff.max', 1)
    if (max < base) throw bad('backoff.max must be at least backoff.base')
    const factor = b.factor ?? 2
    if (
      typeof factor !== 'number' ||
      !Number.isFinite(factor) ||
      factor < BACKOFF_FACTOR_MIN ||
      factor > BACKOFF_FACTOR_MAX
    ) {
      throw bad(`backoff.factor must be a number from ${BACKOFF_FACTOR_MIN} to ${BACKOFF_FACTOR_MAX}`)
    }
    return { type: 'exponential', base, factor, max, jitter: share(b.jitter, 'backoff.jitter') }
  }
  throw bad("backoff.type must be 'fixed' or 'exponential'")
}

/**
 * Validates a retry policy and fills in the defaults of its backoff. Throws `invalid_policy`
 * (400) naming what is wrong; unknown settings are refused rather than ignored, so a typo is not
 * a silently missing policy.
 *
 * @example
 * ```ts
 * checkRetryPolicy({ maxDeliveries: 5, backoff: { type: 'exponential', base: 1000, max: 60_000 } })
 * // { maxDeliveries: 5, backoff: { type: 'exponential', base: 1000, factor: 2, max: 60000, jitter: 0 } }
 * ```
 */
export function checkRetryPolicy(input: unknown): RetryPolicy {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw bad('a retry policy must be an object')
  }
  const p = input as Record<string, unknown>
  onlyKeys(p, ['maxDeliveries', 'backoff'], 'a retry policy')
  const out: RetryPolicy = {}
  if (p.maxDeliveries !== undefined) {
    const m = p.maxDeliveries
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0 || m > POLICY_MAX_DELIVERIES) {
      throw bad(`maxDeliveries must be a whole number from 0 to ${POLICY_MAX_DELIVERIES}`)
    }
    out.maxDeliveries = m
  }
  if (p.backoff !== undefined) out.backoff = checkBackoff(p.backoff)
  return out
}

/**
 * The wait after the `deliveries`-th delivery of a message failed (1 for its first), in whole ms.
 * `random` is a number in [0, 1): the jitter takes up to `jitter` of the wait away, so the cap
 * stays a cap. The PostgreSQL store computes the same in SQL, in the same order of operations.
 */
export function backoffDelay(backoff: Backoff, deliveries: number, random: number): number {
  const full =
    backoff.type === 'fixed'
      ? backoff.delay
      : Math.min(
          backoff.max,
          backoff.base * backoff.factor ** Math.min(Math.max(deliveries - 1, 0), BACKOFF_EXPONENT_MAX),
        )
  return Math.floor(full * (1 - backoff.jitter * random))
}
