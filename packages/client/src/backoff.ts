/** How waits grow between attempts: exponential, capped, with random jitter. */
export interface BackoffOptions {
  /** Wait before the first retry, in ms. Default 250. */
  initialDelay?: number
  /** Longest wait, in ms. Default 30 000. */
  maxDelay?: number
  /** Growth per attempt. Default 2. */
  factor?: number
  /**
   * Share of the wait that is random, from 0 (none) to 1 (full jitter). Default 0.5: the wait lies
   * between half and all of the exponential value, so many clients dropped at once do not return at once.
   */
  jitter?: number
}

/**
 * The wait before retry number `attempt` (0 for the first retry), in ms.
 * `random` returns a number in [0, 1); it is injectable so tests can pin the jitter.
 *
 * @example
 * ```ts
 * backoffDelay(3, { initialDelay: 100, jitter: 0 }) // 800
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const initial = options.initialDelay ?? 250
  const max = options.maxDelay ?? 30_000
  const factor = options.factor ?? 2
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5))
  const base = Math.min(max, initial * factor ** Math.max(0, attempt))
  return Math.round(base * (1 - jitter + jitter * random()))
}

/** How long a failed message waits before redelivery, from its delivery count. */
export interface RetryDelayOptions {
  /** Delay after the first failed delivery, in ms. Default 1000. */
  initialDelay?: number
  /** Longest delay, in ms. Default 60 000. */
  maxDelay?: number
}

/**
 * The reject delay for a message whose handler failed on delivery number `deliveryCount`
 * (1 on its first delivery): doubles per delivery, capped.
 */
export function retryDelay(deliveryCount: number, options: RetryDelayOptions = {}): number {
  const initial = options.initialDelay ?? 1000
  const max = options.maxDelay ?? 60_000
  return Math.min(max, Math.round(initial * 2 ** Math.max(0, deliveryCount - 1)))
}
