import { describe, expect, it } from 'vitest'
import { ReconnectPolicy } from './reconnect-policy.js'

describe('reconnect policy', () => {
  it('reconnect policy - waits grow with each failure, numbered from 1', () => {
    const policy = new ReconnectPolicy({ initialDelay: 10, maxDelay: 40, jitter: 0 })
    expect([policy.next(), policy.next(), policy.next(), policy.next()]).toEqual([
      { attempt: 1, delay: 10 },
      { attempt: 2, delay: 20 },
      { attempt: 3, delay: 40 },
      { attempt: 4, delay: 40 },
    ])
    expect(policy.failures).toBe(4)
  })

  it('reconnect policy - gives up after maxAttempts failures', () => {
    const policy = new ReconnectPolicy({ initialDelay: 1, maxAttempts: 2 })
    expect(policy.next()).toBeDefined()
    expect(policy.next()).toBeDefined()
    expect(policy.next()).toBeUndefined()
  })

  it('reconnect policy - a reset after an open starts again from the first wait', () => {
    const policy = new ReconnectPolicy({ initialDelay: 5, jitter: 0, maxAttempts: 1 })
    expect(policy.next()).toEqual({ attempt: 1, delay: 5 })
    policy.reset()
    expect(policy.next()).toEqual({ attempt: 1, delay: 5 })
  })

  it('reconnect policy - jitter comes from the injected random source', () => {
    const policy = new ReconnectPolicy({ initialDelay: 100, jitter: 0.5 }, () => 0)
    expect(policy.next()?.delay).toBe(50)
  })
})
