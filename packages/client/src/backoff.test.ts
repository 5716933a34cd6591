import { describe, expect, it } from 'vitest'
import { backoffDelay, retryDelay } from './backoff.js'

describe('backoff', () => {
  it('backoff - grows exponentially and stops at the cap', () => {
    const noJitter = { initialDelay: 100, maxDelay: 1000, jitter: 0 }
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, noJitter))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ])
  })

  it('backoff - jitter keeps each wait between (1 - jitter) and all of the exponential value', () => {
    const o = { initialDelay: 1000, maxDelay: 60_000, jitter: 0.5 }
    expect(backoffDelay(2, o, () => 0)).toBe(2000)
    expect(backoffDelay(2, o, () => 0.999999)).toBe(4000)
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(2, o)
      expect(d).toBeGreaterThanOrEqual(2000)
      expect(d).toBeLessThanOrEqual(4000)
    }
  })

  it('retry delay - doubles per delivery from the first, capped', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n))).toEqual([1000, 2000, 4000, 8000])
    expect(retryDelay(50)).toBe(60_000)
    expect(retryDelay(3, { initialDelay: 10, maxDelay: 25 })).toBe(25)
  })
})
